"""Splitting a discussion: a reply and every reply below it become a discussion of their
own in the same forum, for the same group, with the reply as its first post. Post ids,
authors, times, files and reactions stay; the counters of both discussions are recounted,
the search index follows the posts (cop/search/outbox.py sees their discussion change),
read marks are copied, and listeners move what was about those posts
(`discussion.split`: notifications and subscriptions, open pages)."""

from flask_babel import gettext as _
from sqlalchemy import select

from cop import events, policy
from cop.discussions import counters
from cop.discussions.events import DiscussionSplit
from cop.discussions.models import Discussion, DiscussionRead, Post
from cop.discussions.service import DISCUSSION_KINDS, check_title
from cop.errors import Conflict
from cop.extensions import db
from cop.moderation.service import record


def _subtree(post: Post) -> list[Post]:
    """The post and every reply below it, parents before children."""
    posts = db.session.scalars(
        select(Post).where(Post.discussion_id == post.discussion_id).order_by(Post.id)
    ).all()
    children: dict[int, list[Post]] = {}
    for p in posts:
        if p.parent_id is not None:
            children.setdefault(p.parent_id, []).append(p)
    found, todo = [], [post]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current.id, ()))
    return found


def _check(actor, post: Post) -> Discussion:
    source = post.discussion
    policy.require(actor, policy.VIEW, post)
    policy.require(actor, policy.MODERATE, source)
    if source.space.kind not in DISCUSSION_KINDS:  # a consultation stays whole
        raise Conflict(_("This discussion cannot be split."))
    if post.parent_id is None:
        raise Conflict(_("The first post is the whole discussion: choose a reply."))
    if post.private_to_id is not None or post.internal or post.deleted_at is not None:
        raise Conflict(_("A private, internal or deleted reply cannot start a discussion."))
    return source


def split_discussion(actor, post: Post, title: str) -> Discussion:
    """Moderators of a forum make a reply and its replies a new discussion titled `title`.
    Commits; records `discussion.split`; publishes `discussion.split`."""
    source = _check(actor, post)
    title = check_title(title)
    moved = _subtree(post)
    discussion = Discussion(
        space_id=source.space_id,
        title=title,
        author_id=post.author_id,
        community_id=source.community_id,
        created_at=post.created_at,
        last_post_at=post.created_at,
    )
    db.session.add(discussion)
    db.session.flush()
    post.parent_id = None
    for p in moved:
        p.discussion_id = discussion.id  # through the ORM: the search outbox notes each
    for mark in db.session.scalars(
        select(DiscussionRead).where(DiscussionRead.discussion_id == source.id)
    ).all():
        db.session.add(
            DiscussionRead(
                user_id=mark.user_id, discussion_id=discussion.id, read_until=mark.read_until
            )
        )
    db.session.flush()
    counters.recount(source)
    counters.recount(discussion)
    record(actor, "discussion.split", discussion, source.space_id, from_discussion=source.id)
    events.publish(DiscussionSplit(actor, source, discussion, frozenset(p.id for p in moved)))
    db.session.commit()
    return discussion
