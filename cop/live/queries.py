"""Reading live sessions: everything here is already filtered by the policy."""

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from cop import policy
from cop.accounts.models import User
from cop.courses.models import CourseModule
from cop.errors import NotFound
from cop.extensions import db
from cop.live.models import (
    LiveQuestion,
    LiveSession,
    LiveStaff,
    LiveVote,
    QuestionStatus,
    SessionStatus,
)
from cop.live.service import ORDER
from cop.spaces.models import Space

# What the policy reads about a session's space, and no more: events load it every time.
_SPACE_FOR_POLICY = (
    joinedload(LiveSession.space).options(
        lazyload(Space.platform),
        lazyload(Space.expert_group),
        lazyload(Space.community),
        joinedload(Space.course_module).lazyload(CourseModule.author),
    ),
    # The policy reads who is staff and as what, not the people themselves: in the same
    # statement (every event asks whether its person moderates).
    joinedload(LiveSession.staff).lazyload(LiveStaff.user),
)


def get_session(user, session_id: int) -> LiveSession:
    session = db.session.get(LiveSession, session_id, options=_SPACE_FOR_POLICY)
    if session is None:
        raise NotFound()
    require_view(user, session)
    return session


def require_view(user, session: LiveSession) -> None:
    """A session the user may not view answers as a missing one."""
    if not policy.can(user, policy.VIEW, session):
        raise NotFound()


def get_question(user, question_id: int) -> LiveQuestion:
    """A question the user may see, in a session they may view."""
    # With its session as get_session loads it, in the same statement.
    question = db.session.get(
        LiveQuestion,
        question_id,
        options=[
            lazyload(LiveQuestion.author),
            joinedload(LiveQuestion.session).options(*_SPACE_FOR_POLICY),
        ],
    )
    if question is None:
        raise NotFound()
    require_view(user, question.session)
    if not policy.sees_question(user, question):
        raise NotFound()
    return question


def _by_status():
    """Live first, then scheduled (the latest first), then ended."""
    rank = db.case(
        (LiveSession.status == SessionStatus.LIVE, 0),
        (LiveSession.status == SessionStatus.SCHEDULED, 1),
        else_=2,
    )
    return rank, LiveSession.scheduled_at.desc(), LiveSession.id.desc()


def list_sessions(user, space: Space | None = None, offset: int = 0, limit: int = 50):
    """Sessions in spaces the user may read: live first, then scheduled, then ended."""
    query = (
        select(LiveSession)
        .join(Space)
        .where(policy.readable_spaces(user))
        .options(selectinload(LiveSession.staff))
    )
    if space is not None:
        query = query.where(LiveSession.space_id == space.id)
    total = db.session.scalar(query.with_only_columns(db.func.count()).order_by(None))
    items = db.session.scalars(query.order_by(*_by_status()).offset(offset).limit(limit)).all()
    return list(items), total


def space_sessions(space: Space, limit: int) -> list[LiveSession]:
    """The first sessions of a space the caller has checked the user may read, in
    `list_sessions`' order: one query, no count (a space's page shows a few)."""
    return list(
        db.session.scalars(
            select(LiveSession)
            .where(LiveSession.space_id == space.id)
            .order_by(*_by_status())
            .limit(limit)
        )
    )


def list_questions(user, session: LiveSession, moderates: bool) -> list[LiveQuestion]:
    """The questions the user may see, by votes then time, with their authors' names (all a
    question shows of its author: a join loads hundreds of them)."""
    author = joinedload(LiveQuestion.author)
    query = (
        select(LiveQuestion)
        .where(LiveQuestion.session_id == session.id)
        .options(author.load_only(User.id, User.display_name), author.lazyload(User.association))
    )
    if not moderates:
        visible = LiveQuestion.status == QuestionStatus.VISIBLE
        if getattr(user, "is_authenticated", False):
            visible = or_(visible, LiveQuestion.author_id == user.id)
        query = query.where(visible)
    return list(db.session.scalars(query.order_by(*ORDER)))


_MY_VOTES = (
    select(LiveVote.question_id)
    .join(LiveQuestion)
    .where(
        LiveQuestion.session_id == bindparam("session_id"),
        LiveVote.user_id == bindparam("user_id"),
    )
)  # built once: every arrival asks, and building it cost more than running it


def my_votes(user, session: LiveSession) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(_MY_VOTES, {"session_id": session.id, "user_id": user.id}))
