from datetime import datetime

from flask import Blueprint
from flask_login import current_user
from pydantic import Field

from cop import policy
from cop.inputs import Id, Line, Note
from cop.jsonapi import Input, Output, PageQuery, endpoint
from cop.spaces import queries, service
from cop.spaces.models import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    SpaceKind,
    SpaceRole,
    Visibility,
)

bp = Blueprint("spaces", __name__)


class SpaceOut(Output):
    id: int
    kind: SpaceKind
    visibility: Visibility
    title: str
    description: str
    platform_id: int | None
    expert_group_id: int | None
    community_id: int | None
    created_at: datetime
    unread_count: int | None = Field(
        None, description="Posts here you have not read yet; null for guests"
    )


class SpaceList(Output):
    items: list[SpaceOut]
    total: int
    page: int
    per_page: int


class SpaceQuery(PageQuery):
    kind: SpaceKind | None = None


class SpaceIn(Input):
    kind: SpaceKind
    title: Line = Field(max_length=TITLE_MAX)
    description: Note = Field("", max_length=DESCRIPTION_MAX)
    visibility: Visibility = Visibility.SIGNED_IN
    platform_id: Id | None = None
    expert_group_id: Id | None = None
    community_id: Id | None = None


class SpacePatch(Input):
    title: Line = Field(None, max_length=TITLE_MAX)
    description: Note = Field(None, max_length=DESCRIPTION_MAX)
    visibility: Visibility = None
    platform_id: Id | None = Field(None, description="null: none")
    expert_group_id: Id | None = Field(None, description="null: none")
    community_id: Id | None = Field(None, description="null: none")


class MembershipOut(Output):
    user_id: int
    display_name: str
    role: SpaceRole
    created_at: datetime


class MembershipList(Output):
    items: list[MembershipOut]


class MembershipIn(Input):
    role: SpaceRole = SpaceRole.MEMBER


def _spaces_out(spaces) -> list[SpaceOut]:
    """With the viewer's unread counts, in one query for the lot."""
    unread = queries.unread_counts(current_user, [s.id for s in spaces])
    signed_in = current_user.is_authenticated
    return [
        SpaceOut.model_validate(s).model_copy(
            update={"unread_count": unread.get(s.id, 0) if signed_in else None}
        )
        for s in spaces
    ]


def _membership_out(m) -> MembershipOut:
    return MembershipOut(
        user_id=m.user_id, display_name=m.user.display_name, role=m.role, created_at=m.created_at
    )


@endpoint(
    bp, "/spaces", summary="Spaces I may read", query=SpaceQuery, response=SpaceList, auth=False
)
def list_spaces(params: SpaceQuery):
    items, total = queries.list_spaces(
        current_user, params.kind, (params.page - 1) * params.per_page, params.per_page
    )
    return SpaceList(
        items=_spaces_out(items), total=total, page=params.page, per_page=params.per_page
    )


@endpoint(
    bp,
    "/spaces",
    "POST",
    summary="Create a space (staff)",
    body=SpaceIn,
    response=SpaceOut,
    status=201,
)
def create_space(data: SpaceIn):
    return _spaces_out([service.create_space(current_user, data.model_dump())])[0]


@endpoint(bp, "/spaces/<int:space_id>", summary="One space", response=SpaceOut, auth=False)
def get_space(space_id: int):
    return _spaces_out([queries.get_space(current_user, space_id)])[0]


@endpoint(
    bp,
    "/spaces/<int:space_id>",
    "PATCH",
    summary="Change a space",
    body=SpacePatch,
    response=SpaceOut,
)
def patch_space(space_id: int, data: SpacePatch):
    space = queries.get_space(current_user, space_id)
    return _spaces_out(
        [service.update_space(current_user, space, data.model_dump(exclude_unset=True))]
    )[0]


@endpoint(
    bp, "/spaces/<int:space_id>/members", summary="A space's members", response=MembershipList
)
def list_members(space_id: int):
    space = queries.get_space(current_user, space_id)
    policy.require(current_user, policy.MANAGE, space)
    return MembershipList(items=[_membership_out(m) for m in queries.list_members(space)])


@endpoint(
    bp,
    "/spaces/<int:space_id>/members/<int:user_id>",
    "PUT",
    summary="Add a member or change their role",
    body=MembershipIn,
    response=MembershipOut,
)
def put_member(space_id: int, user_id: int, data: MembershipIn):
    space = queries.get_space(current_user, space_id)
    return _membership_out(service.set_membership(current_user, space, user_id, data.role))


@endpoint(
    bp,
    "/spaces/<int:space_id>/members/<int:user_id>",
    "DELETE",
    summary="Remove a member",
    status=204,
)
def delete_member(space_id: int, user_id: int):
    service.remove_membership(current_user, queries.get_space(current_user, space_id), user_id)
