"""What a user has read: the one rule behind every unread marker and count.

A post is unread when someone else wrote it, it is neither deleted nor hidden, and it
came after the latest of the read marks covering it:
- the discussion's (`DiscussionRead`, moved on every visit and reply),
- the forum's (`ForumRead`, 'mark all read' in one forum),
- the user's own (`User.all_read_until`, 'mark all read' everywhere),
- the read horizon: posts older than COP_READ_HORIZON_DAYS count as read, as Moodle's
  forum_oldpostdays, so a newcomer is not greeted by every post ever written;
and only in a forum that tracks reads for the person (Moodle's read tracking): one whose
tracking is forced, or optional while the person's preference (`User.track_reads`) is on;
never where it is off. Elsewhere nothing is unread and no marker shows.

Who may see which post is the policy's business: the counts here combine `unread` with
its SQL twins, each in one query however many forums, discussions and posts there are.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, true

from cop import person_cache, policy
from cop.db import utcnow
from cop.discussions.models import (
    Discussion,
    DiscussionRead,
    ForumRead,
    ForumSettings,
    Post,
    ReadTracking,
    settings_of,
)
from cop.extensions import db
from cop.spaces.models import Space


def horizon() -> datetime:
    return utcnow() - timedelta(days=current_app.config["COP_READ_HORIZON_DAYS"])


def unread(user) -> ColumnElement[bool]:
    """'The post is unread for the signed-in user', as an SQL condition on Post joined
    with its Discussion."""
    floor = horizon()
    if user.all_read_until is not None and user.all_read_until > floor:
        floor = user.all_read_until
    return and_(
        _tracked(user),
        Post.author_id != user.id,
        Post.deleted_at.is_(None),
        Post.hidden_at.is_(None),
        Post.created_at > floor,
        ~exists().where(
            DiscussionRead.user_id == user.id,
            DiscussionRead.discussion_id == Post.discussion_id,
            DiscussionRead.read_until >= Post.created_at,
        ),
        ~exists().where(
            ForumRead.user_id == user.id,
            ForumRead.space_id == Discussion.space_id,
            ForumRead.read_until >= Post.created_at,
        ),
    )


def tracks(user, space: Space) -> bool:
    """Whether reads are tracked for the user in this forum (the rule `_tracked` puts in
    SQL): whether its pages show unread markers and a 'mark read' button."""
    if not user.is_authenticated:
        return False
    mode = settings_of(space).read_tracking
    return mode == ReadTracking.FORCED or (mode == ReadTracking.OPTIONAL and user.track_reads)


def _tracked(user) -> ColumnElement[bool]:
    """`tracks` as SQL, on Discussion: a forum without settings is optional."""
    if user.track_reads:
        off = select(ForumSettings.space_id).where(ForumSettings.read_tracking == ReadTracking.OFF)
        return Discussion.space_id.not_in(off)
    forced = select(ForumSettings.space_id).where(
        ForumSettings.read_tracking == ReadTracking.FORCED
    )
    return Discussion.space_id.in_(forced)


def _posts(*columns):
    return (
        select(*columns)
        .select_from(Post)
        .join(Discussion, Discussion.id == Post.discussion_id)
        .join(Space, Space.id == Discussion.space_id)
    )


def unread_counts(user, discussion_ids: list[int], hidden: set[int] = frozenset()) -> dict:
    """Unread posts the user may see, per discussion, for discussions they may view; in
    `hidden` (Q&A discussions whose replies still wait for the user's own) only the
    first post counts."""
    if not user.is_authenticated or not discussion_ids:
        return {}
    days = current_app.config["COP_READ_HORIZON_DAYS"]
    key = ("discussions", days, tuple(discussion_ids), tuple(sorted(hidden)))
    counts = person_cache.kept(
        user,
        key,
        lambda: _discussion_counts(user, discussion_ids, hidden),
        lambda: next_change(user),
    )
    return dict(counts)  # the kept dict is shared: callers get their own


def next_change(user) -> datetime | None:
    """The next moment the user's counts change with the clock alone: `policy.next_change`,
    or the oldest post inside the read horizon leaving it (then it counts as read). The
    same for every count kept per person (cop/person_cache.py keeps one per person)."""
    oldest = db.session.scalar(select(func.min(Post.created_at)).where(Post.created_at > horizon()))
    leaves = (
        oldest + timedelta(days=current_app.config["COP_READ_HORIZON_DAYS"]) if oldest else None
    )
    return min((m for m in (policy.next_change(user), leaves) if m is not None), default=None)


def _discussion_counts(user, discussion_ids: list[int], hidden: set[int]) -> dict:
    unlocked = Post.discussion_id.not_in(list(hidden)) if hidden else true()
    rows = db.session.execute(
        _posts(Post.discussion_id, func.count())
        .where(
            Post.discussion_id.in_(discussion_ids),
            unread(user),
            policy.readable_posts_anywhere(user, unlocked),
        )
        .group_by(Post.discussion_id)
    )
    return {discussion_id: count for discussion_id, count in rows}


def forum_unread_counts(user, space_ids: list[int]) -> dict[int, int]:
    """Unread posts the user may see, per space, following every read rule of the policy
    (spaces, group mode, private replies, Q&A); nothing for guests."""
    if not user.is_authenticated or not space_ids:
        return {}
    counts = person_cache.kept(
        user,
        ("forums", current_app.config["COP_READ_HORIZON_DAYS"], tuple(space_ids)),
        lambda: _forum_counts(user, space_ids),
        lambda: next_change(user),
    )
    return dict(counts)


def _forum_counts(user, space_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        _posts(Discussion.space_id, func.count())
        .where(
            Discussion.space_id.in_(space_ids),
            unread(user),
            policy.readable_discussions_anywhere(user),
            policy.readable_posts_anywhere(user),
        )
        .group_by(Discussion.space_id)
    )
    return {space_id: count for space_id, count in rows}


def unread_on_page(user, discussion: Discussion, among: list[int], readable=None):
    """Which of these posts of a discussion (a page's) to mark new and, given the read
    rule of its posts (`readable`), the oldest unread post the user may see elsewhere in
    it (id, created_at, discussion_id; None if none), in one query."""
    if not user.is_authenticated:
        return set(), None
    on_page = Post.id.in_(among)
    is_unread = unread(user)  # built once, used in both parts of the statement
    if readable is not None:
        elsewhere = (
            select(Post.id)
            .join(Discussion, Discussion.id == Post.discussion_id)
            .where(Post.discussion_id == discussion.id, is_unread, readable)
            .where(Post.id.not_in(among))
            .order_by(Post.created_at, Post.id)
            .limit(1)
            .correlate(None)  # a query of its own, not tied to the outer query's post
            .scalar_subquery()
        )
        on_page = or_(on_page, Post.id == elsewhere)
    elif not among:
        return set(), None
    rows = db.session.execute(
        select(Post.id, Post.created_at, Post.discussion_id)
        .join(Discussion, Discussion.id == Post.discussion_id)
        .where(Post.discussion_id == discussion.id, on_page, is_unread)
    ).all()
    shown = set(among)
    return {row.id for row in rows if row.id in shown}, next(
        (row for row in rows if row.id not in shown), None
    )


def forget(user_id: int) -> None:
    """An erased person's read marks go, in the caller's transaction."""
    for model in (DiscussionRead, ForumRead):
        db.session.execute(delete(model).where(model.user_id == user_id))
