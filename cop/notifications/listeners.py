"""Notifications follow what happens in discussions, in the same transaction
(cop.events); and the forum and discussion pages show whether one follows them."""

from flask import Flask

from cop import events, person_cache
from cop.accounts.events import PROFILE_CONTEXT, PersonErased
from cop.discussions import events as discussion_events
from cop.discussions.events import (
    DiscussionSeen,
    DiscussionSplit,
    PostCreated,
    PostEdited,
    RepliesCopied,
)
from cop.discussions.service import DISCUSSION_KINDS
from cop.notifications import service
from cop.spaces import events as space_events
from cop.spaces.models import SpaceKind


def _post_created(event: PostCreated) -> None:
    service.post_created(event.post, event.follow)


def _replies_copied(event: RepliesCopied) -> None:
    service.replies_copied(event.posts)


def _post_edited(event: PostEdited) -> None:
    if event.previous is not None:
        service.post_edited(event.post, event.previous)


def _discussion_split(event: DiscussionSplit) -> None:
    service.discussion_split(event.source, event.discussion, event.post_ids)


def _discussion_seen(event: DiscussionSeen) -> None:
    service.discussion_seen(event.actor, event.discussion.id)


def _page_context(user, discussion) -> dict:
    if not user.is_authenticated:
        return {"follow": None}
    # Kept per person: one's choices move one's own generation (person_cache's
    # PERSONAL_TABLES), the forum's subscription mode the page generation.
    follow = person_cache.kept(
        user, ("follow", discussion.id), lambda: service.discussion_subscription(user, discussion)
    )
    return {"follow": follow}


def _space_page_context(user, space, _page: int, _per_page: int) -> dict:
    if space.kind not in (*DISCUSSION_KINDS, SpaceKind.LIVE) or not user.is_authenticated:
        return {}
    return {"follow": service.forum_subscription(user, space)}


def _person_erased(event: PersonErased) -> None:
    service.forget_person(event.user.id)


def _profile_context(user) -> dict:
    return {"notification_choices": service.choices(user)}


def register(app: Flask) -> None:
    events.subscribe(app, PersonErased, _person_erased)
    events.register_hook(app, PROFILE_CONTEXT, _profile_context)
    events.subscribe(app, PostCreated, _post_created)
    events.subscribe(app, RepliesCopied, _replies_copied)
    events.subscribe(app, PostEdited, _post_edited)
    events.subscribe(app, DiscussionSeen, _discussion_seen)
    events.subscribe(app, DiscussionSplit, _discussion_split)
    events.register_hook(app, discussion_events.PAGE_CONTEXT, _page_context)
    events.register_hook(app, space_events.PAGE_CONTEXT, _space_page_context)
