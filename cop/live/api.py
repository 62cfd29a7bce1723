from datetime import datetime

from flask import Blueprint
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from cop import policy
from cop.collation import by_person
from cop.inputs import Id, Ids, Line, Moment, Note
from cop.jsonapi import Input, Output, PageQuery, endpoint
from cop.live import queries, service
from cop.live.models import (
    QUESTION_DEFAULT,
    QUESTION_MAX,
    TITLE_MAX,
    LiveSession,
    QuestionStatus,
    SessionStatus,
    StaffRole,
)
from cop.live.service import DESCRIPTION_MAX
from cop.spaces.queries import get_space

bp = Blueprint("live", __name__)


class PersonOut(Output):
    id: int
    display_name: str


class LiveSessionOut(Output):
    id: int
    space_id: int
    title: str
    description: str
    status: SessionStatus
    scheduled_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    moderated: bool = Field(description="Questions wait for a moderator's approval")
    anonymous_allowed: bool
    max_question_length: int
    highlighted_id: int | None = Field(description="The question being discussed now")
    archive_id: int | None = Field(description="The discussion the session was archived to")
    hosts: list[PersonOut]
    moderators: list[PersonOut]


class LiveSessionList(Output):
    items: list[LiveSessionOut]
    total: int
    page: int
    per_page: int


class QuestionOut(Output):
    id: int
    text: str
    status: QuestionStatus = Field(description="Pending and hidden: staff and the author only")
    anonymous: bool
    author: PersonOut | None = Field(description="None for others' anonymous questions")
    votes: int
    answer: str | None
    answered_at: datetime | None
    created_at: datetime


class LiveSessionDetail(LiveSessionOut):
    questions: list[QuestionOut] = Field(description="By votes, then time")
    my_votes: list[int]


class SessionQuery(PageQuery):
    model_config = ConfigDict(extra="ignore")
    space_id: Id | None = None


class LiveSessionIn(Input):
    space_id: Id
    title: Line = Field(max_length=TITLE_MAX)
    description: Note = Field("", max_length=DESCRIPTION_MAX)
    scheduled_at: Moment = Field(description="ISO 8601 with a time zone")
    moderated: bool = False
    anonymous_allowed: bool = True
    max_question_length: int = Field(QUESTION_DEFAULT, ge=10, le=QUESTION_MAX)
    host_ids: Ids = Field(default_factory=list, description="Default: you")
    moderator_ids: Ids = Field(default_factory=list)


def _people(session: LiveSession, role: StaffRole) -> list[PersonOut]:
    return [
        PersonOut.model_validate(s.user)
        for s in by_person(session.staff, lambda s: s.user.display_name)
        if s.role == role
    ]


def _session_out(session: LiveSession, model: type[BaseModel] = LiveSessionOut, **extra):
    return model(
        id=session.id,
        space_id=session.space_id,
        title=session.title,
        description=session.description,
        status=session.status,
        scheduled_at=session.scheduled_at,
        started_at=session.started_at,
        ended_at=session.ended_at,
        moderated=session.moderated,
        anonymous_allowed=session.anonymous_allowed,
        max_question_length=session.max_question_length,
        highlighted_id=session.highlighted_id,
        archive_id=session.archive_id,
        hosts=_people(session, StaffRole.HOST),
        moderators=_people(session, StaffRole.MODERATOR),
        **extra,
    )


def _question_out(question, full: bool) -> QuestionOut:
    shown = full or not question.anonymous
    return QuestionOut(
        id=question.id,
        text=question.text,
        status=question.status,
        anonymous=question.anonymous,
        author=PersonOut.model_validate(question.author) if shown else None,
        votes=question.vote_count,
        answer=question.answer,
        answered_at=question.answered_at,
        created_at=question.created_at,
    )


@endpoint(
    bp,
    "/live-sessions",
    summary="Live Q&A sessions in the spaces you may read (live, then scheduled, then ended)",
    query=SessionQuery,
    response=LiveSessionList,
    auth=False,
)
def list_sessions(params: SessionQuery):
    space = get_space(current_user, params.space_id) if params.space_id is not None else None
    items, total = queries.list_sessions(
        current_user, space, (params.page - 1) * params.per_page, params.per_page
    )
    return LiveSessionList(
        items=[_session_out(s) for s in items],
        total=total,
        page=params.page,
        per_page=params.per_page,
    )


@endpoint(
    bp,
    "/live-sessions",
    "POST",
    summary="Schedule a live session (experts and staff)",
    body=LiveSessionIn,
    response=LiveSessionOut,
    status=201,
)
def create_session(data: LiveSessionIn):
    space = get_space(current_user, data.space_id)
    session = service.schedule_session(
        current_user,
        space,
        **data.model_dump(exclude={"space_id"}),
    )
    return _session_out(session)


@endpoint(
    bp,
    "/live-sessions/<int:session_id>",
    summary="A live session with the questions you may see (live changes: the /live socket)",
    response=LiveSessionDetail,
    auth=False,
)
def get_session(session_id: int):
    session = queries.get_session(current_user, session_id)
    moderates = policy.can(current_user, policy.MODERATE, session)
    mine = current_user.id if current_user.is_authenticated else None
    return _session_out(
        session,
        LiveSessionDetail,
        questions=[
            _question_out(q, moderates or q.author_id == mine)
            for q in queries.list_questions(current_user, session, moderates)
        ],
        my_votes=queries.my_votes(current_user, session),
    )
