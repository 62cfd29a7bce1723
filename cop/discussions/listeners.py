"""What discussions show on the space pages (cop.spaces.events): the forum's discussions
and the unread counts."""

from flask import Flask, current_app

from cop import counters, events, inputs
from cop.discussions import groups, queries, reads
from cop.discussions.counters import STORED
from cop.discussions.models import ForumType, settings_of
from cop.discussions.service import DISCUSSION_KINDS, may_start
from cop.spaces.events import PAGE_CONTEXT, UNREAD_COUNTS


def _forum(user, space, page: int, per_page: int) -> dict:
    if space.kind not in DISCUSSION_KINDS:
        return {}
    choices = groups.group_choices(user, space)
    group = inputs.id_arg("group") if choices else None
    items, total, unread, last_authors = queries.list_discussions(
        user, space, (page - 1) * per_page, per_page, group
    )
    forum = {
        "items": items,
        "total": total,
        "unread": unread,
        "last_authors": last_authors,
        "can_start": user.is_authenticated and may_start(user, space),
        "qanda": settings_of(space).forum_type == ForumType.QANDA,
        "edit_minutes": current_app.config["COP_EDIT_WINDOW_MINUTES"],
        "page": page,
        "pages": max((total + per_page - 1) // per_page, 1),
        "groups": choices,  # the group filter's choices (None: no groups)
        "group": group,
    }
    return {"forum": forum}


def register(app: Flask) -> None:
    counters.declare(app, STORED)
    events.register_hook(app, UNREAD_COUNTS, reads.forum_unread_counts)
    events.register_hook(app, PAGE_CONTEXT, _forum)
