"""Consultations: a committee's question to its experts. The question and the whole
conversation are a discussion on the community's consultation desk (cop.discussions);
this adds the life cycle, the assignees, the times and the timeline."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.accounts.models import User, enum_column
from cop.db import utcnow
from cop.discussions.models import Discussion
from cop.extensions import db
from cop.orgs.models import Community, ThematicPlatform

RATING_MIN, RATING_MAX = 1, 5
RATING_COMMENT_MAX = 2000


class Status(StrEnum):
    """In the order a consultation usually goes through them (cop/consultations/lifecycle.py)."""

    NEW = "new"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    AWAITING_COMMITTEE = "awaiting_committee"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Consent(StrEnum):
    """What the committee agreed to about publishing in the knowledge base."""

    NONE = "none"
    ANONYMISED = "anonymised"  # only with the community and its people replaced
    FULL = "full"  # as it is, or anonymised if the experts prefer


class Consultation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(
        ForeignKey("discussion.id", ondelete="CASCADE"), unique=True
    )
    community_id: Mapped[int] = mapped_column(
        ForeignKey("community.id", ondelete="CASCADE"), index=True
    )
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("thematic_platform.id"))
    # The course module asked about ("ask an expert about this module").
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_module.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.NEW, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The first public reply by an expert or trainee of the desk; kept when reopened.
    first_response_at: Mapped[datetime | None]
    # The latest resolution and closing; a reopened consultation has neither.
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The committee's rating of the latest resolution (the timeline keeps earlier ones).
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(Text)
    publish_consent: Mapped[Consent] = mapped_column(
        enum_column(Consent), default=Consent.NONE, server_default=Consent.NONE.value
    )
    # The copy in the knowledge base (cop/consultations/publishing.py); unset if deleted.
    published_discussion_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion.id", ondelete="SET NULL"), unique=True
    )

    discussion: Mapped[Discussion] = relationship(
        lazy="joined", innerjoin=True, foreign_keys=[discussion_id]
    )
    community: Mapped[Community] = relationship(lazy="joined", innerjoin=True)
    platform: Mapped[ThematicPlatform | None] = relationship(lazy="joined")
    module: Mapped["CourseModule | None"] = relationship()  # noqa: F821 (cop.courses.models)
    assignees: Mapped[list["ConsultationAssignee"]] = relationship(
        order_by="ConsultationAssignee.assigned_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __table_args__ = (
        CheckConstraint(
            f"rating IS NULL OR rating BETWEEN {RATING_MIN} AND {RATING_MAX}", name="rating"
        ),
    )

    # Not stored: set by the queries for the person looking (see queries.annotate).
    overdue = False
    unread = 0

    @property
    def title(self) -> str:
        return self.discussion.title


class ConsultationAssignee(db.Model):
    """An expert or trainee of the desk who took the consultation on."""

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class EventKind(StrEnum):
    CREATED = "created"
    STATUS = "status"  # from_status -> to_status
    ASSIGNED = "assigned"  # subject: who was assigned
    UNASSIGNED = "unassigned"
    PLATFORM = "platform"  # detail: from, to (platform ids)
    CONSENT = "consent"  # detail: consent (what the committee now agrees to)
    PUBLISHED = "published"  # detail: discussion_id, anonymised, attachments (a count)


class ConsultationEvent(db.Model):
    """One change to a consultation: who, when, what; the page shows them as a timeline."""

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    from_status: Mapped[Status | None] = mapped_column(enum_column(Status))
    to_status: Mapped[Status | None] = mapped_column(enum_column(Status))
    # Whom an assignment event is about.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The rating given with a resolution; the platform ids of a platform change.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id], lazy="joined")

    __table_args__ = (Index(None, "consultation_id", "created_at"),)
