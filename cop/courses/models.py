from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from cop.accounts.models import User, enum_column
from cop.db import utcnow
from cop.extensions import db
from cop.spaces.models import Space

TITLE_MAX = 200
LINK_TITLE_MAX = 200
URL_MAX = 2000
MINUTES_MAX = 10_000


class ModuleStatus(StrEnum):
    DRAFT = "draft"  # seen by its author and whoever may publish it
    PUBLISHED = "published"


class Completion(StrEnum):
    """Moodle's activity completion."""

    MANUAL = "manual"  # the learner marks it done
    VIEW = "view"  # done once the learner opens it
    # Done once the learner has written `completion_count` of these in the module's forum:
    DISCUSSIONS = "discussions"  # discussions started
    REPLIES = "replies"  # replies
    POSTS = "posts"  # either


PARTICIPATION = (Completion.DISCUSSIONS, Completion.REPLIES, Completion.POSTS)
COMPLETION_COUNT_MAX = 100


class CourseSettings(db.Model):
    """Per-course rules; a course without a row follows the defaults."""

    space_id: Mapped[int] = mapped_column(
        ForeignKey("space.id", ondelete="CASCADE"), primary_key=True
    )
    # A learner opens a module once the one before it (among the published) is done.
    requires_previous: Mapped[bool] = mapped_column(default=False, server_default=false())


class CourseModule(db.Model):
    """A section of a course (a space of kind course). Its discussion forum is a space of
    its own (kind forum), created with it, which follows the module's visibility."""

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    forum_id: Mapped[int] = mapped_column(ForeignKey("space.id"), unique=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[ModuleStatus] = mapped_column(
        enum_column(ModuleStatus), default=ModuleStatus.DRAFT
    )
    completion: Mapped[Completion] = mapped_column(
        enum_column(Completion), default=Completion.MANUAL
    )
    completion_count: Mapped[int | None]  # how many posts a participation completion asks
    minutes: Mapped[int | None]  # estimated time
    due_on: Mapped[date | None] = mapped_column(Date)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    author: Mapped[User] = relationship(lazy="joined")
    course: Mapped[Space] = relationship(foreign_keys=[course_id])
    # Every load of a space knows whether it is a module's forum (the policy asks).
    forum: Mapped[Space] = relationship(
        foreign_keys=[forum_id],
        backref=backref("course_module", uselist=False, lazy="joined"),
    )

    __table_args__ = (Index(None, "course_id", "position"),)

    @property
    def published(self) -> bool:
        return self.status == ModuleStatus.PUBLISHED


class ModuleRevision(db.Model):
    """What a published module said before an edit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    edited_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    edited_by: Mapped[User] = relationship(lazy="joined")


class ModuleLink(db.Model):
    """An external resource of a module (files are attachments with a module_id)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(LINK_TITLE_MAX))
    url: Mapped[str] = mapped_column(String(URL_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModuleCompletion(db.Model):
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
