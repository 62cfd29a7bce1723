"""Subscriptions to forums and discussions, and the notifications they produce."""

from datetime import datetime
from enum import StrEnum

from flask_babel import format_datetime
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
    # Steps of the work (about the consultation's question, a reported post, a module or
    # a live session), told by the features doing them (their listeners.py):
    ASSIGNED = "assigned"  # a consultation assigned to me
    AWAITING = "awaiting"  # a consultation answered, waiting for its committee
    RATED = "rated"  # a consultation I work on rated by its committee
    DRAFT = "draft"  # a draft module waiting for someone who may publish it
    REPORT = "report"  # a post reported to the moderators
    MODULE = "module"  # a module published in a course I follow
    LIVE_SOON = "live_soon"  # a live session I follow starts within 15 minutes


class NotificationMute(db.Model):
    """A kind of notification a person turned off: neither in the app nor by email."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind), primary_key=True)


class Notification(db.Model):
    """One thing to tell one person about one post (with its discussion), module or live
    session; at most one per person, post and kind."""

    __table_args__ = (
        UniqueConstraint("user_id", "post_id", "kind"),
        Index(None, "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), index=True
    )
    discussion_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), index=True
    )
    live_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_session.id", ondelete="CASCADE"), index=True
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
    module = relationship("CourseModule", lazy="joined")
    live_session = relationship("LiveSession", lazy="joined")

    @property
    def space(self):
        """Where it happened: the discussion's space, the module's course or the session's."""
        if self.module is not None:
            return self.module.course
        if self.live_session is not None:
            return self.live_session.space
        return self.discussion.space

    @property
    def title(self) -> str:
        if self.module is not None:
            return self.module.title
        if self.live_session is not None:
            return self.live_session.title
        return self.discussion.title

    def headline(self) -> str:
        """One line saying what happened, in the current locale."""
        names = {"name": self.actor.display_name, "title": self.title}
        workflow = self._workflow_headline(names)
        if workflow is not None:
            return workflow
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

    def _workflow_headline(self, names: dict) -> str | None:
        kind = self.kind
        if kind == NotificationKind.ASSIGNED:
            return _("%(name)s assigned you the consultation “%(title)s”", **names)
        if kind == NotificationKind.AWAITING:
            return _("The consultation “%(title)s” has an answer and awaits your reply", **names)
        if kind == NotificationKind.RATED:
            return _("%(name)s rated the answer to the consultation “%(title)s”", **names)
        if kind == NotificationKind.DRAFT:
            return _("%(name)s wrote the draft module “%(title)s”: it awaits publishing", **names)
        if kind == NotificationKind.REPORT:
            return _("%(name)s reported a post in “%(title)s”", **names)
        if kind == NotificationKind.MODULE:
            course = self.module.course.title
            return _("New module in the course “%(course)s”: “%(title)s”", course=course, **names)
        if kind == NotificationKind.LIVE_SOON:
            when = format_datetime(self.live_session.scheduled_at, "short")
            return _("The live session “%(title)s” starts at %(when)s", when=when, **names)
        return None
