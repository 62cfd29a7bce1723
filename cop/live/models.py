from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.accounts.models import User, enum_column
from cop.db import utcnow
from cop.extensions import db
from cop.spaces.models import Space

TITLE_MAX = 200
QUESTION_MAX = 1000  # the ceiling of a session's own length limit
QUESTION_DEFAULT = 300
ANSWER_MAX = 2000


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"


class StaffRole(StrEnum):
    HOST = "host"  # answers, highlights, starts and ends
    MODERATOR = "moderator"  # approves and hides questions


class QuestionStatus(StrEnum):
    PENDING = "pending"  # waits for a moderator (moderated sessions)
    VISIBLE = "visible"
    HIDDEN = "hidden"


class LiveSession(db.Model):
    """A live Q&A in a space: people ask and upvote, staff moderate, hosts answer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus), default=SessionStatus.SCHEDULED
    )
    scheduled_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # When its followers were told it starts soon: once per session, whichever process.
    reminded_at: Mapped[datetime | None]
    # Questions wait for approval before others see them.
    moderated: Mapped[bool] = mapped_column(default=False, server_default=false())
    anonymous_allowed: Mapped[bool] = mapped_column(default=True, server_default=true())
    max_question_length: Mapped[int] = mapped_column(default=QUESTION_DEFAULT)
    # The question being discussed now (no foreign key: questions point at the session).
    highlighted_id: Mapped[int | None]
    # Where the questions and answers went when the session ended.
    archive_id: Mapped[int | None] = mapped_column(ForeignKey("discussion.id", ondelete="SET NULL"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # One more with every change of the session or of one of its questions (votes aside:
    # they have vote_seq), taken under the row's lock, so in commit order. The `state`
    # snapshot carries it: a joining client keeps the changes newer than its snapshot.
    seq: Mapped[int] = mapped_column(default=0, server_default="0")

    space: Mapped[Space] = relationship(lazy="joined")
    # Loaded when asked for: events of participants never need it.
    staff: Mapped[list["LiveStaff"]] = relationship(
        cascade="all, delete-orphan", back_populates="session"
    )


class LiveStaff(db.Model):
    """A session's hosts and moderators."""

    session_id: Mapped[int] = mapped_column(
        ForeignKey("live_session.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole))

    session: Mapped[LiveSession] = relationship(back_populates="staff")
    user: Mapped[User] = relationship(lazy="joined")


class LiveQuestion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    # Shown as "anonymous" to participants; staff always see the author.
    anonymous: Mapped[bool] = mapped_column(default=False)
    status: Mapped[QuestionStatus] = mapped_column(enum_column(QuestionStatus))
    # Kept by the service with every vote, so the list sorts without counting.
    vote_count: Mapped[int] = mapped_column(default=0)
    # One more with every change of vote_count. Counts read by different server processes
    # may reach a client out of order: it keeps the one with the highest sequence.
    vote_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    # The session's `seq` at this question's latest change.
    seq: Mapped[int] = mapped_column(default=0, server_default="0")
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The asker's own name for this question (the browser's, once per question): asked
    # again with it, after a timeout or a 503, the question is not asked twice.
    client_key: Mapped[str | None] = mapped_column(String(64))

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    session: Mapped[LiveSession] = relationship()

    __table_args__ = (
        Index("ix_live_question_session_status", "session_id", "status"),
        UniqueConstraint("session_id", "author_id", "client_key"),
    )


class LiveVote(db.Model):
    """One upvote per person per question."""

    question_id: Mapped[int] = mapped_column(
        ForeignKey("live_question.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
