"""What discussions publish (cop.events), and the hooks they ask before writing or
showing a discussion. Listeners live in the features that care, higher up."""

from dataclasses import dataclass

from cop.accounts.models import User
from cop.discussions.models import Discussion, ForumSettings, Post
from cop.events import Event
from cop.spaces.models import Space


@dataclass(frozen=True)
class PostCreated(Event):
    """A discussion's first post or a reply was written (published in its transaction).
    `follow`: whether its author wants to hear of the discussion from now on (a reply's
    "don't notify me about this discussion" says no)."""

    name = "post.created"
    actor: User
    post: Post
    follow: bool = True


@dataclass(frozen=True)
class Replied(Event):
    """Someone replied in a discussion (`reply`; not a reply copied in by a live session's
    archive), published in the transaction after its `post.created`."""

    name = "reply.posted"
    actor: User
    post: Post


@dataclass(frozen=True)
class RepliesCopied(Event):
    """Plain replies of one author to a discussion's first post, written together (a live
    session's archive), published in their transaction instead of a `post.created` each:
    everyone who may read one of them may read them all."""

    name = "replies.copied"
    actor: User
    discussion: Discussion
    posts: tuple[Post, ...]


@dataclass(frozen=True)
class PostEdited(Event):
    """A post's text or files changed; `previous` is the text before, None when only the
    files changed."""

    name = "post.edited"
    actor: User
    post: Post
    previous: str | None


@dataclass(frozen=True)
class PostDeleted(Event):
    name = "post.deleted"
    actor: User
    post: Post


@dataclass(frozen=True)
class PostHidden(Event):
    """A moderator hid a post (by moderation, in the transaction of the hiding): from now
    on only its author and the moderators may read it."""

    name = "post.hidden"
    actor: User
    post: Post


@dataclass(frozen=True)
class DiscussionFlagged(Event):
    """A discussion was pinned or unpinned (`flag` "pinned"), locked or unlocked."""

    name = "discussion.flagged"
    actor: User
    discussion: Discussion
    flag: str
    value: bool


@dataclass(frozen=True)
class DiscussionMoved(Event):
    """A discussion was moved to another space (by moderation, in the transaction of the
    move): those who read it there may not be those who read it before."""

    name = "discussion.moved"
    actor: User
    discussion: Discussion
    from_space_id: int


@dataclass(frozen=True)
class DiscussionSplit(Event):
    """A reply and its replies became a discussion of their own (by moderation, in the
    transaction of the split; defined here so that features below moderation may
    listen): what was about those posts in `source` is now about `discussion`."""

    name = "discussion.split"
    actor: User
    source: Discussion
    discussion: Discussion
    post_ids: frozenset[int]


@dataclass(frozen=True)
class DiscussionSeen(Event):
    """Someone read a discussion up to its end or to a moment."""

    name = "discussion.seen"
    actor: User
    discussion: Discussion


@dataclass(frozen=True)
class ForumConfigured(Event):
    name = "forum.configured"
    actor: User
    space: Space
    settings: ForumSettings


# Hooks (cop.events.ask). Before a reply is written: (actor, discussion, internal); a
# handler refuses it by raising (an AppError).
MAY_REPLY = "discussion.may_reply"
# For the discussion page: (discussion) -> the URL of the page that shows it instead, or None.
PAGE_ELSEWHERE = "discussion.page_elsewhere"
# For the discussion page: (user, discussion) -> a dict of more template values.
PAGE_CONTEXT = "discussion.page_context"
