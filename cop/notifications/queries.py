"""The bell: a person's notifications, newest first, only about what they may still read.
Counts and totals ask the policy's read rules in SQL, in the same query: whoever has lost
a discussion (left a group, the discussion moved, its space closed) stops counting its
notifications at once."""

from flask import g
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from cop import person_cache, policy
from cop.discussions import reads
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.notifications.models import Notification
from cop.spaces.models import Space


def _readable(query, user):
    """Only notifications the user may read now (`policy.readable_notifications`), with
    the post's discussion and space as outer joins: the policy's subqueries then run once
    per query, not once per notification."""
    return (
        query.outerjoin(Post, Post.id == Notification.post_id)
        .outerjoin(Discussion, Discussion.id == Post.discussion_id)
        .outerjoin(Space, Space.id == Discussion.space_id)
        .where(policy.readable_notifications(user))
    )


def _module_course():
    """CourseModule.course, reached through the mapper: courses is a feature above this one."""
    return Notification.module.property.mapper.class_.course


def unread_count(user, fresh: bool = False) -> int:
    """For the bell on every page: once per request, kept across requests until a write
    may change it (cop/person_cache.py)."""
    if not user.is_authenticated:
        return 0
    if fresh or "_unread_notifications" not in g:
        g._unread_notifications = person_cache.kept(
            user, "bell", lambda: _count_unread(user), lambda: reads.next_change(user)
        )
    return g._unread_notifications


def _count_unread(user) -> int:
    mine = select(func.count()).select_from(Notification)
    return db.session.scalar(_readable(mine, user).where(Notification.read_at.is_(None)))


def list_notifications(user, offset: int = 0, limit: int = 30) -> tuple[list[Notification], int]:
    """A page of notifications and the total; those about what the user may no longer
    read (a post moved to a closed forum, a module back to draft) are left out."""
    total = db.session.scalar(_readable(select(func.count()).select_from(Notification), user))
    items = list(
        db.session.scalars(
            _readable(select(Notification), user)
            .options(
                joinedload(Notification.discussion).joinedload(Discussion.space),
                joinedload(Notification.module).joinedload(_module_course()),
            )
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )
    discussions = {n.discussion_id: n.discussion for n in items if n.discussion is not None}
    policy.qanda_unlocked_among(user, list(discussions.values()))
    return [n for n in items if policy.can(user, policy.VIEW, n)], total
