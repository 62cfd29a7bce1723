"""The bell: a person's notifications, newest first, only about posts they may still read.
Counts and totals ask the policy's read rules in SQL, in the same query: whoever has lost
a discussion (left a group, the discussion moved, its space closed) stops counting its
notifications at once."""

from flask import g
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from cop import policy
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.notifications.models import Notification
from cop.spaces.models import Space


def _readable(query, user):
    """Only notifications whose post is still there (not deleted or hidden since) and which
    the user may read now (`policy.can(user, VIEW, notification)` as SQL), as joins: the
    policy's subqueries then run once per query, not once per notification."""
    return (
        query.join(Post, Post.id == Notification.post_id)
        .join(Discussion, Discussion.id == Post.discussion_id)
        .join(Space, Space.id == Discussion.space_id)
        .where(
            Post.deleted_at.is_(None),
            Post.hidden_at.is_(None),
            policy.readable_discussions_anywhere(user),
            policy.readable_posts_anywhere(user),
        )
    )


def unread_count(user, fresh: bool = False) -> int:
    """For the bell on every page: one query, once per request."""
    if not user.is_authenticated:
        return 0
    if fresh or "_unread_notifications" not in g:
        mine = select(func.count()).select_from(Notification)
        g._unread_notifications = db.session.scalar(
            _readable(mine, user).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
    return g._unread_notifications


def list_notifications(user, offset: int = 0, limit: int = 30) -> tuple[list[Notification], int]:
    """A page of notifications and the total; those whose post the user may no longer
    read (moved to a closed forum, say) are left out."""
    mine = Notification.user_id == user.id
    total = db.session.scalar(
        _readable(select(func.count()).select_from(Notification), user).where(mine)
    )
    items = list(
        db.session.scalars(
            _readable(select(Notification), user)
            .options(joinedload(Notification.discussion).joinedload(Discussion.space))
            .where(mine)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )
    policy.qanda_unlocked_among(user, list({n.discussion_id: n.discussion for n in items}.values()))
    return [n for n in items if policy.can(user, policy.VIEW, n)], total
