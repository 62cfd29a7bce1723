"""Moodle's completion by forum participation: a module is done once the learner has
started N discussions, written N replies, or N posts of either kind in its forum (posts
deleted since do not count; the count is asked when they post and when they open the
module, and a completion once recorded stays)."""

from sqlalchemy import func, select

from cop.courses.models import Completion, CourseModule
from cop.discussions.models import Discussion, Post
from cop.extensions import db


def count(user, module: CourseModule) -> int:
    """How many of the posts the module's completion asks for the user has written."""
    query = (
        select(func.count(Post.id))
        .join(Discussion, Discussion.id == Post.discussion_id)
        .where(
            Discussion.space_id == module.forum_id,
            Post.author_id == user.id,
            Post.deleted_at.is_(None),
        )
    )
    if module.completion == Completion.DISCUSSIONS:
        query = query.where(Post.parent_id.is_(None))
    elif module.completion == Completion.REPLIES:
        query = query.where(Post.parent_id.is_not(None))
    return db.session.scalar(query)


def met(user, module: CourseModule) -> bool:
    return bool(module.completion_count) and count(user, module) >= module.completion_count
