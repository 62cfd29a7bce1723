"""What a person wrote, as another person may see it on their profile: the posts and
discussions the viewer may read, through the policy's SQL read rules, newest first, one
query per list whatever the person's history."""

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from cop import policy
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.spaces.models import Space

PER_PAGE = 20


@dataclass(frozen=True)
class Written:
    posts: list[Post]
    discussions: list[Discussion]
    more_posts: bool
    more_discussions: bool


def _posts(viewer, author_id: int, offset: int, limit: int) -> list[Post]:
    query = (
        select(Post)
        .join(Post.discussion)
        .join(Discussion.space)
        .where(
            Post.author_id == author_id,
            Post.deleted_at.is_(None),
            or_(Post.hidden_at.is_(None), Post.author_id == getattr(viewer, "id", None)),
            policy.readable_discussions_anywhere(viewer),
            policy.readable_posts_anywhere(viewer),
        )
        .options(contains_eager(Post.discussion).contains_eager(Discussion.space))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(db.session.scalars(query).unique())


def _discussions(viewer, author_id: int, offset: int, limit: int) -> list[Discussion]:
    query = (
        select(Discussion)
        .join(Space, Space.id == Discussion.space_id)
        .where(Discussion.author_id == author_id, policy.readable_discussions_anywhere(viewer))
        .options(contains_eager(Discussion.space))
        .order_by(Discussion.created_at.desc(), Discussion.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(db.session.scalars(query).unique())


def written_by(viewer, person, page: int, per_page: int = PER_PAGE) -> Written:
    """A page of the person's posts and of the discussions they started, of what the
    viewer may read (hidden posts only to their author)."""
    offset = (page - 1) * per_page
    posts = _posts(viewer, person.id, offset, per_page + 1)
    discussions = _discussions(viewer, person.id, offset, per_page + 1)
    return Written(
        posts[:per_page], discussions[:per_page], len(posts) > per_page, len(discussions) > per_page
    )
