"""Reading discussions and posts, already filtered by what the user may see."""

from dataclasses import dataclass, field

from sqlalchemy import and_, func, select

from cop import policy
from cop.attachments.models import Attachment
from cop.attachments.queries import by_post
from cop.discussions import reads
from cop.discussions.models import Discussion, Post, PostRevision, Reaction
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
    unread = reads.unread_counts(user, [d.id for d in discussions], hidden)
    return discussions, total, unread, last_posts


@dataclass
class Thread:
    """A discussion's visible posts, with what the page needs to show them."""

    posts: list[Post]
    children: dict[int | None, list[Post]] = field(default_factory=dict)
    useful_mine: set[int] = field(default_factory=set)
    unread: set[int] = field(default_factory=set)  # post ids to mark new
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
            .where(
                Post.discussion_id == discussion.id,
                Post.parent_id.is_not(None),
                Post.internal.is_(False),  # as policy._has_replies
            )
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
        thread.unread = reads.unread_post_ids(user, discussion)
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
