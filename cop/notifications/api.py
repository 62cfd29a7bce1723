from datetime import datetime

from flask import Blueprint
from flask_login import current_user
from pydantic import Field

from cop.discussions import queries as discussions
from cop.discussions.models import SubscriptionMode
from cop.inputs import Ids
from cop.jsonapi import Input, Output, PageQuery, endpoint
from cop.notifications import queries, service
from cop.notifications.models import NotificationKind
from cop.spaces.queries import get_space

bp = Blueprint("notifications", __name__)


class NotificationOut(Output):
    id: int
    kind: NotificationKind
    text: str = Field(description="What happened, in the user's language")
    post_id: int | None = Field(description="The post it is about, if any")
    discussion_id: int | None
    module_id: int | None = Field(description="The course module it is about, if any")
    live_session_id: int | None = Field(description="The live session it is about, if any")
    space_id: int = Field(description="Where it happened (a module's course)")
    actor_id: int
    created_at: datetime
    read: bool


class NotificationList(Output):
    items: list[NotificationOut]
    total: int
    unread: int
    page: int
    per_page: int


class ReadIn(Input):
    ids: Ids = Field(None, description="These notifications; all when left out")


class Unread(Output):
    unread: int


class ChoicesOut(Output):
    on: list[NotificationKind] = Field(description="The kinds one gets, in the app and by mail")
    off: list[NotificationKind] = Field(description="The kinds one turned off")


class ChoicesIn(Input):
    on: list[NotificationKind] = Field(
        max_length=len(NotificationKind), description="The kinds to get; the others go off"
    )


class SubscriptionOut(Output):
    subscribed: bool
    can_change: bool = Field(description="False in forced and disabled forums")
    mode: SubscriptionMode


class SubscriptionIn(Input):
    subscribed: bool


def _out(n) -> NotificationOut:
    return NotificationOut(
        id=n.id,
        kind=n.kind,
        text=n.headline(),
        post_id=n.post_id,
        discussion_id=n.discussion_id,
        module_id=n.module_id,
        live_session_id=n.live_session_id,
        space_id=n.space.id,
        actor_id=n.actor_id,
        created_at=n.created_at,
        read=n.read_at is not None,
    )


@endpoint(
    bp,
    "/notifications",
    summary="My notifications, newest first",
    query=PageQuery,
    response=NotificationList,
)
def list_notifications(params: PageQuery):
    items, total = queries.list_notifications(
        current_user, (params.page - 1) * params.per_page, params.per_page
    )
    return NotificationList(
        items=[_out(n) for n in items],
        total=total,
        unread=queries.unread_count(current_user),
        page=params.page,
        per_page=params.per_page,
    )


@endpoint(
    bp,
    "/notifications/read",
    "POST",
    summary="Mark notifications read",
    body=ReadIn,
    response=Unread,
)
def read_notifications(data: ReadIn):
    service.mark_read(current_user, data.ids)
    return Unread(unread=queries.unread_count(current_user, fresh=True))


def _choices_out(user) -> ChoicesOut:
    chosen = service.choices(user)
    return ChoicesOut(
        on=[k for k, on in chosen.items() if on], off=[k for k, on in chosen.items() if not on]
    )


@endpoint(
    bp,
    "/notifications/choices",
    summary="Which kinds of notification I get (in the app and by email)",
    response=ChoicesOut,
)
def get_choices():
    return _choices_out(current_user)


@endpoint(
    bp,
    "/notifications/choices",
    "PUT",
    summary="Choose the kinds of notification I get; those left out are turned off",
    body=ChoicesIn,
    response=ChoicesOut,
)
def put_choices(data: ChoicesIn):
    service.choose_kinds(current_user, data.on)
    return _choices_out(current_user)


def _subscription_out(state) -> SubscriptionOut:
    return SubscriptionOut(
        subscribed=state.subscribed, can_change=state.can_change, mode=state.mode
    )


@endpoint(
    bp,
    "/spaces/<int:space_id>/subscription",
    summary="Whether I follow a forum",
    response=SubscriptionOut,
)
def get_forum_subscription(space_id: int):
    space = get_space(current_user, space_id)
    return _subscription_out(service.forum_subscription(current_user, space))


@endpoint(
    bp,
    "/spaces/<int:space_id>/subscription",
    "PUT",
    summary="Follow or stop following a forum",
    body=SubscriptionIn,
    response=SubscriptionOut,
)
def put_forum_subscription(space_id: int, data: SubscriptionIn):
    space = get_space(current_user, space_id)
    return _subscription_out(service.subscribe_forum(current_user, space, data.subscribed))


@endpoint(
    bp,
    "/discussions/<int:discussion_id>/subscription",
    summary="Whether I follow a discussion",
    response=SubscriptionOut,
)
def get_discussion_subscription(discussion_id: int):
    discussion = discussions.get_discussion(current_user, discussion_id)
    return _subscription_out(service.discussion_subscription(current_user, discussion))


@endpoint(
    bp,
    "/discussions/<int:discussion_id>/subscription",
    "PUT",
    summary="Follow or stop following a discussion",
    body=SubscriptionIn,
    response=SubscriptionOut,
)
def put_discussion_subscription(discussion_id: int, data: SubscriptionIn):
    discussion = discussions.get_discussion(current_user, discussion_id)
    return _subscription_out(
        service.subscribe_discussion(current_user, discussion, data.subscribed)
    )
