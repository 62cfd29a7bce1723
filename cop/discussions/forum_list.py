"""The forum page's list of discussions, kept as plain values for everyone who reads it
with the same rule, until the page generation moves or the clock opens or closes a
discussion's display period.

`queries.list_discussions` gives a reader the discussions of one page of a forum, their
tags, the total and the last posts' authors. Outside Q&A forums (whose replies and order
wait for the reader's own answer) and blogs (whose opening posts are shown), all of that
depends on the reader only through the read rule (`policy.discussion_read_rule`: a
moderator sees every discussion, a forum with separate groups shows the reader's groups'),
and otherwise on what everyone writes (discussions, posts, tags, people's names,
memberships and settings all move the page generation) and on the clock (display periods).
So it is kept under (forum, page, tag, group filter, read rule) with
`person_cache.kept_for_everyone`, and only the unread counts, the reader's own, are
counted per request. The space itself has been checked readable by the caller."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from cop import person_cache, policy
from cop.db import utcnow
from cop.discussions import queries, reads
from cop.discussions.models import Discussion, ForumType, settings_of
from cop.extensions import db


@dataclass(frozen=True)
class Author:
    id: int
    display_name: str
    erased_at: datetime | None


@dataclass(frozen=True)
class Item:
    """What a forum table's row shows of a discussion (cop/spaces/rows.py)."""

    id: int
    title: str
    pinned: bool
    locked: bool
    display_from: datetime | None
    display_until: datetime | None
    tag_names: tuple[str, ...]
    author: Author
    reply_count: int
    last_post_id: int | None
    last_post_at: datetime | None
    created_at: datetime
    replies_hidden: bool = False


def _item(d: Discussion) -> Item:
    a = d.author
    return Item(
        d.id,
        d.title,
        d.pinned,
        d.locked,
        d.display_from,
        d.display_until,
        tuple(d.tag_names),
        Author(a.id, a.display_name, a.erased_at),
        d.reply_count,
        d.last_post_id,
        d.last_post_at,
        d.created_at,
    )


def _next_display_change(space_id: int) -> datetime | None:
    """The next moment one of the forum's discussions appears or disappears by itself."""
    now = utcnow()
    row = db.session.execute(
        select(
            select(func.min(Discussion.display_from))
            .where(Discussion.space_id == space_id, Discussion.display_from > now)
            .scalar_subquery(),
            select(func.min(Discussion.display_until))
            .where(Discussion.space_id == space_id, Discussion.display_until > now)
            .scalar_subquery(),
        )
    ).one()
    return min((m for m in row if m is not None), default=None)


def list_discussions(user, space, offset: int, limit: int, tag: str | None, group: int | None):
    """`queries.list_discussions`, with the discussions as plain values kept for everyone
    with the same read rule where that is all they depend on."""
    if settings_of(space).forum_type in (ForumType.QANDA, ForumType.BLOG):
        return queries.list_discussions(user, space, offset, limit, tag=tag, group=group)

    changes = []  # taken before the list: a period opening meanwhile is not missed

    def compute():
        changes.append(_next_display_change(space.id))
        items, total, _unread, last_authors = queries.list_discussions(
            user, space, offset, limit, tag=tag, group=group
        )
        return [_item(d) for d in items], total, last_authors

    what = ("forum_list", space.id, offset, limit, tag, group)
    items, total, last_authors = person_cache.kept_for_everyone(
        user,
        (*what, policy.discussion_read_rule(user, space)),
        compute,
        weight=lambda value: 1 + len(value[0]),
        until=lambda: changes[0],
    )
    unread = reads.unread_counts(user, [d.id for d in items])
    return items, total, unread, last_authors
