"""Subscriptions to forums and discussions, and the notifications they produce."""

from datetime import datetime
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.accounts.models import enum_column
from cop.db import utcnow
from cop.extensions import db
from cop.spaces.models import SpaceKind


class ForumSubscription(db.Model):
    """A person's choice for a whole forum: subscribed in an optional forum, or opted out
    of an auto-subscribed one. Forced and disabled forums ignore it."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    space_id: Mapped[int] = mapped_column(
        ForeignKey("space.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    subscribed: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DiscussionSubscription(db.Model):
    """A person's choice for one discussion; it wins over their forum choice."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    discussion_id: Mapped[int] = mapped_column(
        ForeignKey("discussion.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    subscribed: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationKind(StrEnum):
    DISCUSSION = "discussion"  # a new discussion in a forum one follows
    REPLY = "reply"  # a new post in a discussion one follows
    MENTION = "mention"  # someone wrote @username


class Notification(db.Model):
    """One thing to tell one person about one post; at most one per person and post."""

    __table_args__ = (
        UniqueConstraint("user_id", "post_id"),
        Index(None, "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    discussion_id: Mapped[int] = mapped_column(
        ForeignKey("discussion.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]  # sent, or settled without sending
    mail_tries: Mapped[int] = mapped_column(default=0, server_default="0")  # that failed
    mail_retry_at: Mapped[datetime | None]  # after a failed try, not before this

    user = relationship("User", foreign_keys=[user_id])
    actor = relationship("User", foreign_keys=[actor_id], lazy="joined")
    post = relationship("Post", lazy="joined")
    discussion = relationship("Discussion", lazy="joined")

    def headline(self) -> str:
        """One line saying what happened, in the current locale."""
        names = {"name": self.actor.display_name, "title": self.discussion.title}
        space = self.discussion.space
        if self.kind == NotificationKind.MENTION:
            return _("%(name)s mentioned you in “%(title)s”", **names)
        if space.kind == SpaceKind.CONSULTATION_DESK:
            if self.kind == NotificationKind.DISCUSSION:
                return _("%(name)s asked the experts: “%(title)s”", **names)
            if self.post.internal:
                return _("%(name)s wrote an internal note on “%(title)s”", **names)
            return _("%(name)s replied to the consultation “%(title)s”", **names)
        if self.kind == NotificationKind.DISCUSSION:
            if space.knowledge_base:
                return _("%(name)s published “%(title)s” in the knowledge base", **names)
            return _("%(name)s started “%(title)s”", **names)
        return _("%(name)s replied in “%(title)s”", **names)
