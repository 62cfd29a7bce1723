"""Stars: a person's bookmarks on discussions. Nobody else ever learns of them: every read
here is of the person's own stars, and a starred discussion they may no longer read drops
out of their lists (the read rules apply as everywhere)."""

from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import contains_eager

from cop import person_cache, policy
from cop.discussions import reads
from cop.discussions.models import Discussion, DiscussionStar
from cop.extensions import db
from cop.spaces.models import Space

# How many starred discussions `is:starred` searches in (the newest stars first).
SEARCH_MAX = 1000


def star(actor, discussion: Discussion, starred: bool) -> bool:
    """Anyone signed in who may read the discussion stars or unstars it; doing it twice
    changes nothing. Commits; returns whether it is starred now."""
    policy.require(actor, policy.VIEW, discussion)
    row = db.session.get(DiscussionStar, (actor.id, discussion.id))
    if starred and row is None:
        db.session.add(DiscussionStar(user_id=actor.id, discussion_id=discussion.id))
    elif not starred and row is not None:
        db.session.delete(row)
    db.session.commit()
    return starred


def is_starred(user, discussion_id: int) -> bool:
    """Kept per person across requests: a star written anywhere moves the page generation
    (cop/guest_cache.py), under which it is kept (cop/person_cache.py)."""
    if not user.is_authenticated:
        return False
    return person_cache.kept(
        user,
        ("starred", discussion_id),
        lambda: db.session.get(DiscussionStar, (user.id, discussion_id)) is not None,
        personal=False,
    )


def list_starred(user, space_id: int | None, offset: int, limit: int):
    """The user's starred discussions they may read (in one space, or all), by last
    activity, with their total and unread counts: a fixed number of queries however many
    there are. Q&A discussions whose replies still wait are marked as on forum lists."""
    where = and_(
        DiscussionStar.user_id == user.id,
        policy.readable_discussions_anywhere(user),
        *([Discussion.space_id == space_id] if space_id is not None else []),
    )
    base = (
        select(Discussion)
        .join(DiscussionStar, DiscussionStar.discussion_id == Discussion.id)
        .join(Space, Space.id == Discussion.space_id)
        .where(where)
    )
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    items = db.session.scalars(
        base.options(contains_eager(Discussion.space))
        .order_by(Discussion.last_post_at.desc(), Discussion.id.desc())
        .offset(offset)
        .limit(limit)
    )
    discussions = list(items.unique())
    unlocked = policy.qanda_unlocked_among(user, discussions)
    for discussion in discussions:
        discussion.replies_hidden = discussion.id not in unlocked
    hidden = {d.id for d in discussions if d.replies_hidden}
    unread = reads.unread_counts(user, [d.id for d in discussions], hidden)
    return discussions, total, unread


def starred_ids(user) -> list[int]:
    """The discussions a person starred, newest stars first (at most SEARCH_MAX), for
    `is:starred` in search (none for a guest); the search's own read rules still apply to
    each result."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        db.session.scalars(
            select(DiscussionStar.discussion_id)
            .where(DiscussionStar.user_id == user.id)
            .order_by(DiscussionStar.created_at.desc())
            .limit(SEARCH_MAX)
        )
    )


def forget(user_id: int) -> None:
    """An erased person's stars go, in the caller's transaction."""
    db.session.execute(delete(DiscussionStar).where(DiscussionStar.user_id == user_id))
