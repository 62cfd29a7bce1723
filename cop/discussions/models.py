from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from cop.accounts.models import User, enum_column
from cop.db import utcnow
from cop.extensions import db
from cop.spaces.models import Space, SpaceKind

TITLE_MAX = 200
TAG_MAX = 40  # characters in a tag
TAGS_MAX = 10  # tags on a discussion
# What a forum accepts unless its settings say otherwise (config caps both site-wide).
ATTACHMENTS_DEFAULT = 5
ATTACHMENT_BYTES_DEFAULT = 5 * 1024 * 1024


class ForumType(StrEnum):
    """Moodle's forum types."""

    STANDARD = "standard"
    QANDA = "qanda"  # others' replies appear once you have posted yours
    SINGLE = "single"  # one discussion, started with the forum
    EACH_ONE = "each_one"  # each person starts one discussion
    BLOG = "blog"  # a standard forum shown as a blog: opening posts in full, newest first


class SubscriptionMode(StrEnum):
    OPTIONAL = "optional"
    FORCED = "forced"
    AUTO = "auto"
    DISABLED = "disabled"


class ReadTracking(StrEnum):
    """Moodle's read tracking per forum: as each person prefers, for everyone, or off."""

    OPTIONAL = "optional"
    FORCED = "forced"
    OFF = "off"


class GroupMode(StrEnum):
    """Moodle's group modes, with the communities as groups."""

    NONE = "none"
    SEPARATE = "separate"  # each committee sees only its own discussions
    VISIBLE = "visible"  # everyone reads; each writes in their own community's discussions


class ForumSettings(db.Model):
    """Per-space forum rules; a space without a row uses the defaults (see `settings_of`)."""

    space_id: Mapped[int] = mapped_column(
        ForeignKey("space.id", ondelete="CASCADE"), primary_key=True
    )
    forum_type: Mapped[ForumType] = mapped_column(
        enum_column(ForumType), default=ForumType.STANDARD
    )
    subscription_mode: Mapped[SubscriptionMode] = mapped_column(
        enum_column(SubscriptionMode), default=SubscriptionMode.OPTIONAL
    )
    group_mode: Mapped[GroupMode] = mapped_column(enum_column(GroupMode), default=GroupMode.NONE)
    # Files per post (0: no attachments) and bytes per file.
    max_attachments: Mapped[int] = mapped_column(
        default=ATTACHMENTS_DEFAULT, server_default=str(ATTACHMENTS_DEFAULT)
    )
    max_attachment_bytes: Mapped[int] = mapped_column(
        default=ATTACHMENT_BYTES_DEFAULT, server_default=str(ATTACHMENT_BYTES_DEFAULT)
    )
    read_tracking: Mapped[ReadTracking] = mapped_column(
        enum_column(ReadTracking),
        default=ReadTracking.OPTIONAL,
        server_default=ReadTracking.OPTIONAL.value,
    )
    # Moodle's posting threshold: within `post_period_hours`, a person is warned from their
    # `warn_after`-th post and cannot post beyond `block_after` (0: no warning, no block);
    # those who moderate the space are exempt (cop/discussions/threshold.py).
    post_period_hours: Mapped[int] = mapped_column(default=0, server_default="0")
    warn_after: Mapped[int] = mapped_column(default=0, server_default="0")
    block_after: Mapped[int] = mapped_column(default=0, server_default="0")
    # Each post shows how many words it has (Moodle's "display word count").
    show_word_count: Mapped[bool] = mapped_column(default=False, server_default=false())

    space: Mapped[Space] = relationship(
        backref=backref("forum", uselist=False, lazy="joined", cascade="all, delete-orphan")
    )


@dataclass(frozen=True)
class DefaultForumSettings:
    """What a forum without a settings row follows (a plain object: building an ORM
    instance per call cost 60 ms on a 200-post page)."""

    forum_type: ForumType = ForumType.STANDARD
    subscription_mode: SubscriptionMode = SubscriptionMode.OPTIONAL
    group_mode: GroupMode = GroupMode.NONE
    max_attachments: int = ATTACHMENTS_DEFAULT
    max_attachment_bytes: int = ATTACHMENT_BYTES_DEFAULT
    read_tracking: ReadTracking = ReadTracking.OPTIONAL
    post_period_hours: int = 0
    warn_after: int = 0
    block_after: int = 0
    show_word_count: bool = False


DEFAULT_SETTINGS = DefaultForumSettings()
# A consultation desk's readers (its committee, experts, trainees and staff) all hear
# about its consultations unless they unsubscribe.
DESK_SETTINGS = DefaultForumSettings(subscription_mode=SubscriptionMode.AUTO)


def settings_of(space: Space) -> "ForumSettings | DefaultForumSettings":
    if space.forum is not None:
        return space.forum
    return DESK_SETTINGS if space.kind == SpaceKind.CONSULTATION_DESK else DEFAULT_SETTINGS


class Discussion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # The group (community) a discussion belongs to in group mode; None: all participants.
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("community.id", ondelete="SET NULL"), index=True
    )
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Kept by the service on every reply, so lists sort and count without a join.
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_post_id: Mapped[int | None]
    reply_count: Mapped[int] = mapped_column(default=0)
    # A timed discussion (Moodle's display period) is shown only from / until these
    # moments, but to those who moderate its space (the policy's read rule).
    display_from: Mapped[datetime | None]
    display_until: Mapped[datetime | None]

    author: Mapped[User] = relationship(lazy="joined")
    space: Mapped["Space"] = relationship()

    # Not stored: set by queries.list_discussions when a Q&A forum still hides the replies.
    replies_hidden = False
    # Not stored: the tags' names, set by queries.list_discussions and tags_of.
    tag_names: tuple[str, ...] = ()

    __table_args__ = (Index("ix_discussion_space_order", "space_id", "pinned", "last_post_at"),)


class DiscussionTag(db.Model):
    """A free tag on a discussion, lower case; tags belong to the discussion's space (its
    list and filter), so they follow a discussion that moves."""

    discussion_id: Mapped[int] = mapped_column(
        ForeignKey("discussion.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(TAG_MAX), primary_key=True, index=True)


class Post(db.Model):
    """A discussion's first post has no parent; replies point at the post they answer.
    A deleted post keeps its place (and its children) with its text removed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussion.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # A private reply is seen only by this person (the parent's author) and staff.
    private_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # An internal note on a consultation: for its experts, trainees and staff only.
    internal: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    # Who changed the text last: "Edited by <name>" when it is not the author (Moodle).
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    deleted_at: Mapped[datetime | None]
    # Hidden by a moderator: shown to moderators and the author, a placeholder to others.
    hidden_at: Mapped[datetime | None]
    useful_count: Mapped[int] = mapped_column(default=0)
    # Its notifications are mailed at once, not after the edit window (Moodle's mailnow).
    mail_now: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Bumped in SQL by every edit: an edit based on an older version is refused (409).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    edited_by: Mapped[User | None] = relationship(foreign_keys=[edited_by_id], lazy="joined")
    discussion: Mapped[Discussion] = relationship()

    # Not stored: filled in for a whole page by queries.load_thread (None: not known).
    has_replies = None

    # Unread counts look only at posts newer than the read horizon (cop/discussions/reads.py).
    __table_args__ = (Index("ix_post_discussion_created", "discussion_id", "created_at"),)


class PostRevision(db.Model):
    """The text a post had before each edit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    edited_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    edited_by: Mapped[User] = relationship(lazy="joined")


class Reaction(db.Model):
    """'Useful': one per person per post."""

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DiscussionRead(db.Model):
    """Everything in the discussion posted up to `read_until` counts as read."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    discussion_id: Mapped[int] = mapped_column(
        ForeignKey("discussion.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_until: Mapped[datetime]


class ForumRead(db.Model):
    """'Mark all read' in one forum: everything in it posted up to `read_until` counts as
    read, without a row per discussion (see cop/discussions/reads.py)."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    space_id: Mapped[int] = mapped_column(
        ForeignKey("space.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_until: Mapped[datetime]


class IdempotencyKey(db.Model):
    """A create submitted twice with the same key returns the first result
    (cop/discussions/idempotency.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))  # the operation
    fingerprint: Mapped[str] = mapped_column(String(64), server_default="")  # of the request
    result_id: Mapped[int]
    response: Mapped[str | None] = mapped_column(Text)  # the API's first answer, as JSON
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_key_user_key"),)


class DiscussionStar(db.Model):
    """A person's bookmark on a discussion: seen by nobody else."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    discussion_id: Mapped[int] = mapped_column(
        ForeignKey("discussion.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
