"""Reading discussions and posts, already filtered by what the user may see."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from cop import policy
from cop.attachments.models import Attachment
from cop.attachments.queries import by_post
from cop.discussions.models import Discussion, DiscussionRead, Post, PostRevision, Reaction
from cop.errors import NotFound
from cop.extensions import db
from cop.spaces.models import Space


def get_discussion(user, discussion_id: int) -> Discussion:
    discussion = db.session.get(Discussion, discussion_id)
    if discussion is None or not policy.can(user, policy.VIEW, discussion):
        raise NotFound()
    discussion.replies_hidden = not policy.qanda_unlocked(user, discussion)
    return discussion


def get_post(user, post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None or not policy.can(user, policy.VIEW, post):
        raise NotFound()
    return post


def unread_counts(user, discussion_ids: list[int], hidden: set[int] = frozenset()) -> dict:
    """Posts by others after the user's read mark, per discussion, in one query; in
    discussions whose replies are still hidden (Q&A) only the first post counts."""
    if not user.is_authenticated or not discussion_ids:
        return {}
    read = and_(
        DiscussionRead.discussion_id == Post.discussion_id, DiscussionRead.user_id == user.id
    )
    rows = db.session.execute(
        select(Post.discussion_id, func.count())
        .outerjoin(DiscussionRead, read)
        .where(
            Post.discussion_id.in_(discussion_ids),
            Post.author_id != user.id,
            Post.deleted_at.is_(None),
            policy.readable_posts(user),
            or_(Post.parent_id.is_(None), Post.discussion_id.not_in(list(hidden) or [0])),
            or_(DiscussionRead.read_until.is_(None), Post.created_at > DiscussionRead.read_until),
        )
        .group_by(Post.discussion_id)
    )
    return {discussion_id: count for discussion_id, count in rows}


def list_discussions(user, space: Space, offset: int = 0, limit: int = 50):
    """A forum's discussions, pinned first and then by last activity, with the total and
    the user's unread counts."""
    where = and_(Discussion.space_id == space.id, policy.readable_discussions(user, space))
    total = db.session.scalar(select(func.count()).select_from(Discussion).where(where))
    discussions = list(
        db.session.scalars(
            select(Discussion)
            .where(where)
            .order_by(Discussion.pinned.desc(), Discussion.last_post_at.desc(), Discussion.id)
            .offset(offset)
            .limit(limit)
        )
    )
    unlocked = policy.qanda_unlocked_among(user, discussions)
    for discussion in discussions:  # Q&A: replies, their count and authors wait
        discussion.replies_hidden = discussion.id not in unlocked
    last_ids = [d.last_post_id for d in discussions if d.last_post_id]
    last_posts = (
        {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(last_ids)))}
        if last_ids
        else {}
    )
    hidden = {d.id for d in discussions if d.replies_hidden}
    unread = unread_counts(user, [d.id for d in discussions], hidden)
    return discussions, total, unread, last_posts


@dataclass
class Thread:
    """A discussion's visible posts, with what the page needs to show them."""

    posts: list[Post]
    children: dict[int | None, list[Post]] = field(default_factory=dict)
    useful_mine: set[int] = field(default_factory=set)
    read_until: datetime | None = None
    revised: set[int] = field(default_factory=set)
    allowed: dict[str, set[int]] = field(default_factory=dict)  # action -> post ids
    attachments: dict[int, list[Attachment]] = field(default_factory=dict)  # only visible ones

    @property
    def first(self) -> Post:
        return self.children[None][0]


def load_thread(user, discussion: Discussion) -> Thread:
    """All posts the user may see, in order, in a fixed number of queries."""
    posts = list(
        db.session.scalars(
            select(Post)
            .where(Post.discussion_id == discussion.id, policy.readable_posts(user, discussion))
            .order_by(Post.created_at, Post.id)
        )
    )
    thread = Thread(posts)
    visible = {p.id for p in posts}
    for post in posts:
        thread.children.setdefault(post.parent_id, []).append(post)
    replied = set(
        db.session.scalars(
            select(Post.parent_id)
            .where(Post.discussion_id == discussion.id, Post.parent_id.is_not(None))
            .distinct()
        )
    )
    for post in posts:
        post.has_replies = post.id in replied
    ids = list(visible)
    if user.is_authenticated:
        thread.useful_mine = set(
            db.session.scalars(
                select(Reaction.post_id).where(
                    Reaction.user_id == user.id, Reaction.post_id.in_(ids)
                )
            )
        )
        read = db.session.get(DiscussionRead, (user.id, discussion.id))
        thread.read_until = read.read_until if read else None
    thread.allowed = policy.post_permissions(user, discussion, posts)
    thread.attachments = by_post(thread.allowed["view_attachments"])
    thread.revised = set(
        db.session.scalars(
            select(PostRevision.post_id).where(PostRevision.post_id.in_(ids)).distinct()
        )
    )
    return thread


def list_revisions(post: Post) -> list[PostRevision]:
    return list(
        db.session.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .order_by(PostRevision.created_at.desc(), PostRevision.id.desc())
        )
    )
