"""A discussion's reply count and last post, a post's 'useful' count: what lists show
without counting rows. They count what everyone who reads the discussion sees: replies
that are neither private, internal notes, deleted nor hidden.

Kept in SQL, never read-modify-written in Python: a reply adds one and moves the last
post forward in one UPDATE (concurrent replies each add theirs); deleting, hiding or
restoring a post recounts the discussion after locking its row. `cop db check` compares
them with the rows (cop/counters.py)."""

from sqlalchemy import and_, bindparam, case, func, or_, select, update

from cop.counters import Stored
from cop.db import UTCDateTime, write_last
from cop.discussions.models import Discussion, Post, Reaction
from cop.extensions import db


def _seen_by_all():
    return and_(
        Post.private_to_id.is_(None),
        Post.internal.is_(False),
        Post.deleted_at.is_(None),
        Post.hidden_at.is_(None),
    )


def _reply_count():
    return (
        select(func.count(Post.id))
        .where(Post.discussion_id == Discussion.id, Post.parent_id.is_not(None), _seen_by_all())
        .scalar_subquery()
    )


def _last_post(column):
    return (
        select(column)
        .where(Post.discussion_id == Discussion.id, _seen_by_all())
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _last_post_id():
    return _last_post(Post.id)


def _last_post_at():
    return func.coalesce(_last_post(Post.created_at), Discussion.created_at)


def _useful_count():
    return (
        select(func.count())
        .select_from(Reaction)
        .where(Reaction.post_id == Post.id)
        .scalar_subquery()
    )


STORED = (
    Stored("discussion.reply_count", Discussion.reply_count, _reply_count),
    Stored("discussion.last_post_id", Discussion.last_post_id, _last_post_id),
    Stored("discussion.last_post_at", Discussion.last_post_at, _last_post_at),
    Stored("post.useful_count", Post.useful_count, _useful_count),
)

_FIELDS = ("reply_count", "last_post_id", "last_post_at")


def reply_added(discussion: Discussion, post: Post, added: int = 1) -> None:
    """Count a reply everyone sees (flushed, in the caller's transaction): one more (or
    `added` more, `post` the newest of them), and the last post if it is the newest,
    whatever other replies commit meanwhile. The discussion's row is hot (every reply to
    a busy discussion updates it), so this is the transaction's last write (cop/db.py,
    `write_last`: on PostgreSQL it goes with the COMMIT, and no reply holds the row while
    its greenlet waits for the event loop); until the commit the discussion's counts read
    as they were."""
    at = bindparam("at", post.created_at, type_=UTCDateTime())
    newer = or_(
        Discussion.last_post_at < at,
        and_(Discussion.last_post_at == at, func.coalesce(Discussion.last_post_id, 0) < post.id),
    )
    write_last(
        db.session,
        update(Discussion)
        .where(Discussion.id == discussion.id)
        .values(
            reply_count=Discussion.reply_count + added,
            last_post_id=case((newer, post.id), else_=Discussion.last_post_id),
            last_post_at=case((newer, at), else_=Discussion.last_post_at),
        )
        .execution_options(synchronize_session=False),
    )
    db.session.expire(discussion, _FIELDS)


def recount(discussion: Discussion) -> None:
    """Recount a discussion whose posts changed other than by a new reply (a delete, hide
    or restore), in the caller's transaction. The row is locked first, so the recount
    sees every reply committed before it, and a reply committing after it adds itself
    on top (on PostgreSQL one UPDATE would read the posts as they were when it began)."""
    db.session.execute(
        select(Discussion.id).where(Discussion.id == discussion.id).with_for_update()
    )
    db.session.execute(
        update(Discussion)
        .where(Discussion.id == discussion.id)
        .values(
            reply_count=_reply_count(),
            last_post_id=_last_post_id(),
            last_post_at=_last_post_at(),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire(discussion, _FIELDS)


def useful_changed(post: Post, delta: int) -> None:
    """One more or one fewer 'useful' on a post, in the caller's transaction."""
    db.session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values(useful_count=Post.useful_count + delta)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(post, ["useful_count"])
