from datetime import datetime

from flask import Blueprint, current_app
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import Field
from sqlalchemy import func, select

from cop import events, policy
from cop.accounts import erasure, people, service, sessions
from cop.accounts.events import PERSON_PAGE_CONTEXT
from cop.accounts.models import (
    EMAIL_MAX,
    NAME_MAX,
    PASSWORD_MAX,
    AccessToken,
    EmailMode,
    Role,
    User,
)
from cop.errors import Forbidden, NotFound, Unauthorized
from cop.extensions import db, limiter
from cop.inputs import Id, Line
from cop.jsonapi import Input, Output, PageQuery, endpoint
from cop.labels import label

bp = Blueprint("accounts", __name__)


class TokenRequest(Input):
    email: Line = Field(max_length=EMAIL_MAX)
    password: str = Field(max_length=PASSWORD_MAX)
    name: Line = Field("API", max_length=NAME_MAX)


class TokenOut(Output):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewToken(TokenOut):
    token: str = Field(description="Shown once; send it as `Authorization: Bearer <token>`")


class TokenList(Output):
    items: list[TokenOut]


class DeviceOut(Output):
    id: int
    device: str = Field(description="Browser and system, from the user agent it signed in with")
    remember: bool = Field(description="Signed in with 'remember me'")
    created_at: datetime
    last_used_at: datetime
    current: bool = Field(description="The sign-in this request's cookie carries")


class DeviceList(Output):
    items: list[DeviceOut]


class UserOut(Output):
    id: int
    email: str
    username: str = Field(description="What others write after @ to mention this person")
    display_name: str
    role: Role
    locale: str
    active: bool
    association_id: int | None
    created_at: datetime


class MeOut(UserOut):
    email_mode: EmailMode
    track_reads: bool = Field(
        description="Unread posts are marked in forums whose read tracking is optional"
    )


class UserList(Output):
    items: list[UserOut]
    total: int
    page: int
    per_page: int


class ProfilePatch(Input):
    display_name: Line = Field(None, max_length=NAME_MAX)
    locale: str = Field(None, pattern="^(uk|en)$")
    email_mode: EmailMode = Field(
        None, description="Notifications by email: each as it comes, a daily digest, or none"
    )
    track_reads: bool = Field(
        None, description="Mark unread posts in forums whose read tracking is optional"
    )


class UserCreate(Input):
    email: Line = Field(max_length=EMAIL_MAX)
    display_name: Line = Field(max_length=NAME_MAX)
    role: Role = Role.MEMBER
    locale: str = Field("uk", pattern="^(uk|en)$")
    association_id: Id | None = None
    password: str | None = Field(None, max_length=PASSWORD_MAX)
    invite: bool = True


class UserPatch(Input):
    display_name: Line = Field(None, max_length=NAME_MAX)
    role: Role = None
    locale: str = Field(None, pattern="^(uk|en)$")
    association_id: Id | None = Field(None, description="null: no association")
    active: bool = None


def _login_limit() -> str:
    return current_app.config["COP_LOGIN_LIMIT"]


@endpoint(
    bp,
    "/auth/token",
    "POST",
    summary="Exchange email and password for a token",
    body=TokenRequest,
    response=NewToken,
    status=201,
    auth=False,
    errors=(429,),
)
@limiter.limit(_login_limit, methods=["POST"])
def create_token(data: TokenRequest):
    user = service.authenticate(data.email, data.password)
    if user is None:
        raise Unauthorized(_("Wrong email or password."))
    token, raw = service.create_token(user, data.name)
    return NewToken(token=raw, **TokenOut.model_validate(token).model_dump())


@endpoint(bp, "/auth/tokens", summary="My access tokens", response=TokenList)
def list_tokens():
    tokens = db.session.scalars(
        select(AccessToken)
        .where(AccessToken.user_id == current_user.id)
        .order_by(AccessToken.created_at.desc())
    )
    return {"items": list(tokens)}


@endpoint(bp, "/auth/tokens/<int:token_id>", "DELETE", summary="Revoke a token", status=204)
def revoke_token(token_id: int):
    service.revoke_token(current_user, token_id)


@endpoint(bp, "/me/devices", summary="Where I am signed in", response=DeviceList)
def list_devices():
    current = sessions.row_id(current_user)
    return {
        "items": [
            {
                "id": row.id,
                "device": row.device,
                "remember": row.remember,
                "created_at": row.created_at,
                "last_used_at": row.last_used_at,
                "current": row.id == current,
            }
            for row in sessions.list_sessions(current_user)
        ]
    }


@endpoint(bp, "/me/devices/<int:login_id>", "DELETE", summary="Sign a device out", status=204)
def end_device(login_id: int):
    sessions.end_session(current_user, login_id)


@endpoint(bp, "/me", summary="The signed-in user", response=MeOut)
def me():
    return current_user


@endpoint(
    bp,
    "/me",
    "PATCH",
    summary="Change my name, language or email notifications",
    body=ProfilePatch,
    response=MeOut,
)
def patch_me(data: ProfilePatch):
    return service.update_profile(current_user, **data.model_dump(exclude_unset=True))


def _get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not policy.can(current_user, policy.VIEW, user):
        raise NotFound()
    return user


@endpoint(bp, "/users", summary="All users (staff)", query=PageQuery, response=UserList)
def list_users(params: PageQuery):
    if not policy.can(current_user, policy.MODERATE, policy.SITE):
        raise Forbidden()
    total = db.session.scalar(select(func.count()).select_from(User))
    users = db.session.scalars(
        select(User)
        .order_by(User.id)
        .offset((params.page - 1) * params.per_page)
        .limit(params.per_page)
    )
    return {"items": list(users), "total": total, "page": params.page, "per_page": params.per_page}


@endpoint(
    bp,
    "/users",
    "POST",
    summary="Create or invite a user (staff)",
    body=UserCreate,
    response=UserOut,
    status=201,
)
def create_user(data: UserCreate):
    return service.create_user(current_user, **data.model_dump())


@endpoint(bp, "/users/<int:user_id>", summary="One user", response=UserOut)
def get_user(user_id: int):
    return _get_user(user_id)


@endpoint(
    bp,
    "/users/<int:user_id>",
    "PATCH",
    summary="Change a user (staff)",
    body=UserPatch,
    response=UserOut,
)
def patch_user(user_id: int, data: UserPatch):
    return service.update_user(
        current_user, _get_user(user_id), data.model_dump(exclude_unset=True)
    )


@endpoint(
    bp,
    "/users/<int:user_id>",
    "DELETE",
    summary="Erase a person (administrators): their posts stay under a placeholder, every "
    "personal field and file goes, and they can no longer sign in",
    status=204,
)
def erase_user(user_id: int):
    erasure.erase_person(current_user, _get_user(user_id))


class WrittenPostOut(Output):
    id: int
    discussion_id: int
    discussion_title: str
    space_id: int
    created_at: datetime


class WrittenDiscussionOut(Output):
    id: int
    title: str
    space_id: int
    created_at: datetime


class ProfileOut(Output):
    id: int
    display_name: str
    username: str
    role: Role
    role_label: str
    association: str | None
    communities: list[str] = Field(description="The communities whose committee they sit on")
    expert_groups: list[str]
    posts: list[WrittenPostOut] = Field(description="Their posts you may read, newest first")
    discussions: list[WrittenDiscussionOut] = Field(
        description="The discussions they started that you may read, newest first"
    )
    more: bool = Field(description="Either list goes on at the next page")


@endpoint(
    bp,
    "/people/<int:user_id>",
    summary="A person's profile and what they wrote that you may read",
    query=PageQuery,
    response=ProfileOut,
)
def get_person(user_id: int, params: PageQuery):
    profile = people.get_person(current_user, user_id)
    user = profile.user
    context: dict = {}
    for answer in events.ask(
        PERSON_PAGE_CONTEXT, current_user, user, params.page, min(params.per_page, 50)
    ):
        context.update(answer)
    written = context["written"]
    return ProfileOut(
        id=user.id,
        display_name=user.display_name,
        username=user.username,
        role=user.role,
        role_label=label(user.role),
        association=user.association.short_name if user.association else None,
        communities=profile.communities,
        expert_groups=profile.expert_groups,
        posts=[
            WrittenPostOut(
                id=p.id,
                discussion_id=p.discussion_id,
                discussion_title=p.discussion.title,
                space_id=p.discussion.space_id,
                created_at=p.created_at,
            )
            for p in written.posts
        ],
        discussions=[
            WrittenDiscussionOut(
                id=d.id, title=d.title, space_id=d.space_id, created_at=d.created_at
            )
            for d in written.discussions
        ],
        more=written.more_posts or written.more_discussions,
    )
