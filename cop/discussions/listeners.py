"""What discussions show on the space pages (cop.spaces.events): the forum's discussions,
its rules and the unread counts."""

from flask import Flask, current_app, request

from cop import counters, events, inputs
from cop.accounts.events import PERSON_PAGE_CONTEXT, PersonErased
from cop.discussions import forum_list, groups, idempotency, people, queries, reads, stars
from cop.discussions.counters import STORED
from cop.discussions.models import ForumType, settings_of
from cop.discussions.service import DISCUSSION_KINDS, may_start, unlink_person
from cop.spaces.events import PAGE_CONTEXT, UNREAD_COUNTS


def _forum(user, space, page: int, per_page: int) -> dict:
    if space.kind not in DISCUSSION_KINDS:
        return {}
    tag = request.args.get("tag") or None  # the list's filter, from the page's address
    choices = groups.group_choices(user, space)
    group = inputs.id_arg("group") if choices else None
    blog = settings_of(space).forum_type == ForumType.BLOG
    items, total, unread, last_authors = forum_list.list_discussions(
        user, space, (page - 1) * per_page, per_page, tag, group
    )
    forum = {
        "items": items,
        "total": total,
        "unread": unread,
        "last_authors": last_authors,
        "can_start": user.is_authenticated and may_start(user, space),
        "qanda": settings_of(space).forum_type == ForumType.QANDA,
        "tracks_reads": reads.tracks(user, space),
        "each_one": settings_of(space).forum_type == ForumType.EACH_ONE,
        # A blog: each discussion's opening post in full (None: a table of discussions).
        "openings": queries.opening_posts(user, space, items) if blog else None,
        "own": queries.own_discussion(user, space),
        "edit_minutes": current_app.config["COP_EDIT_WINDOW_MINUTES"],
        "tag": tag,
        "page": page,
        "pages": max((total + per_page - 1) // per_page, 1),
        "groups": choices,  # the group filter's choices (None: no groups)
        "group": group,
    }
    return {"forum": forum}


def _person_erased(event: PersonErased) -> None:
    reads.forget(event.user.id)
    idempotency.forget(event.user.id)
    stars.forget(event.user.id)
    unlink_person(event.user.id)


def _person(viewer, person, page: int, per_page: int) -> dict:
    return {"written": people.written_by(viewer, person, page, per_page)}


def register(app: Flask) -> None:
    counters.declare(app, STORED)
    events.register_hook(app, PERSON_PAGE_CONTEXT, _person)
    events.subscribe(app, PersonErased, _person_erased)
    events.register_hook(app, UNREAD_COUNTS, reads.forum_unread_counts)
    events.register_hook(app, PAGE_CONTEXT, _forum)
