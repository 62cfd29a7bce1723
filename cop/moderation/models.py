from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.accounts.models import User, enum_column
from cop.db import utcnow
from cop.discussions.models import Post
from cop.extensions import db

REASON_MAX = 1000


class ReportOutcome(StrEnum):
    HIDDEN = "hidden"
    DISMISSED = "dismissed"


class Report(db.Model):
    """Someone's report of a post to the moderators; one per person per post."""

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    outcome: Mapped[ReportOutcome | None] = mapped_column(enum_column(ReportOutcome))

    post: Mapped[Post] = relationship(lazy="joined")
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id], lazy="joined")

    __table_args__ = (UniqueConstraint("post_id", "reporter_id", name="uq_report_post_reporter"),)


class AuditEntry(db.Model):
    """Who did what to which object, when: every moderator action leaves one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int]
    space_id: Mapped[int | None] = mapped_column(index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User] = relationship(lazy="joined")
