from datetime import datetime

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from cop import policy, rate_limits
from cop.consultations import figures, lifecycle, publishing, queries, service
from cop.consultations.figures import Breakdown
from cop.consultations.models import (
    RATING_COMMENT_MAX,
    RATING_MAX,
    RATING_MIN,
    Consent,
    Status,
)
from cop.consultations.queries import Assignee, Filters, Order
from cop.discussions import idempotency
from cop.discussions import queries as discussions
from cop.discussions import service as discussion_service
from cop.discussions.api import AuthorOut, PostList, PostOut, _post_out
from cop.discussions.models import TITLE_MAX
from cop.errors import Forbidden
from cop.i18n import current_locale
from cop.inputs import Body, Id, Ids, Line, Note
from cop.jsonapi import Input, Output, PageQuery, endpoint
from cop.text import BODY_MAX, BODY_RULE

bp = Blueprint("consultations", __name__)


class CommunityRef(Output):
    id: int
    name: str


class PlatformRef(Output):
    id: int
    slug: str
    name: str


class AssigneeOut(Output):
    id: int
    display_name: str
    assigned_at: datetime


class ConsultationOut(Output):
    id: int
    discussion_id: int = Field(description="The discussion holding the question and replies")
    community: CommunityRef
    platform: PlatformRef | None
    module_id: int | None = Field(description="The course module asked about")
    title: str
    author: AuthorOut
    status: Status
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    rating: int | None
    rating_comment: str | None
    assignees: list[AssigneeOut]
    overdue: bool = Field(
        description="Unanswered by its desk for longer than the response target (working days)"
    )
    reply_count: int = Field(description="Public replies")
    unread_count: int
    transitions: list[Status] = Field(description="The moves the viewer may ask for now")
    publish_consent: Consent = Field(
        description="What the committee agreed to: none, anonymised (only) or full publishing"
    )
    published_discussion_id: int | None = Field(
        description="The copy in the knowledge base, a public discussion"
    )


class EventOut(Output):
    id: int
    kind: str = Field(
        description="created, status, assigned, unassigned, platform, consent or published"
    )
    actor: AuthorOut | None
    from_status: Status | None
    to_status: Status | None
    subject: AuthorOut | None = Field(description="Whom an assignment is about")
    detail: dict = Field(
        description="The rating and comment of a resolution; platform ids; the consent; "
        "the published discussion"
    )
    created_at: datetime


class ConsultationDetail(ConsultationOut):
    events: list[EventOut] = Field(description="The timeline, oldest first")


class ConsultationList(Output):
    items: list[ConsultationOut]
    total: int
    page: int
    per_page: int
    counts: dict[Status, int] = Field(
        description="Per status, under the same filters except the status filter"
    )


class ConsultationQuery(PageQuery):
    status: Status | None = None
    assignee: Assignee = Field(Assignee.ANY, description="mine, unassigned or any")
    community_id: Id | None = None
    platform_id: Id | None = None
    older_than_days: int | None = Field(
        None, ge=0, le=36500, description="Asked at least so long ago"
    )
    overdue: bool = Field(False, description="Only those past the response target")
    order: Order = Order.NEWEST


class ConsultationIn(Input):
    community_id: Id | None = Field(
        None, description="Needed when the author is on several committees, and for staff"
    )
    title: Line = Field(max_length=TITLE_MAX)
    body: Body = Field(max_length=BODY_MAX, description=f"The question. {BODY_RULE}")
    platform_id: Id | None = Field(None, description="The thematic platform")
    module_id: Id | None = Field(
        None,
        description="The course module asked about (422 unless the author may read it)",
    )


class ConsultationPatch(Input):
    title: Line = Field(None, max_length=TITLE_MAX)
    platform_id: Id | None = Field(None, description="null: no thematic platform")
    assignee_ids: Ids = Field(
        None,
        description="The whole list of assignees: experts and trainees of the desk change "
        "only themselves, staff anyone",
    )
    publish_consent: Consent = Field(
        None, description="The committee's agreement to publishing in the knowledge base"
    )


class PublishIn(Input):
    anonymise: bool = Field(
        False,
        description="Replace the community's name, its people and contact details, and sign "
        "the committee's posts by the committee (required if it agreed only to that)",
    )
    attachment_ids: Ids = Field(
        [], description="Files of the public replies to include; none by default"
    )


class TransitionIn(Input):
    to: Status
    rating: int | None = Field(
        None, ge=RATING_MIN, le=RATING_MAX, description="Required to resolve (the committee)"
    )
    comment: Note | None = Field(None, max_length=RATING_COMMENT_MAX)


class RatingIn(Input):
    rating: int = Field(ge=RATING_MIN, le=RATING_MAX)
    comment: Note | None = Field(None, max_length=RATING_COMMENT_MAX)


class ConsultationPostIn(Input):
    body: Body = Field(max_length=BODY_MAX, description=BODY_RULE)
    parent_id: Id | None = Field(None, description="The post answered; the question by default")


def _ref_platform(platform) -> PlatformRef | None:
    if platform is None:
        return None
    return PlatformRef(id=platform.id, slug=platform.slug, name=platform.name(current_locale()))


def _out(c, model=ConsultationOut, **extra):
    parties = policy.desk_parties(current_user, c.discussion.space)
    return model(
        id=c.id,
        discussion_id=c.discussion_id,
        community=CommunityRef.model_validate(c.community),
        platform=_ref_platform(c.platform),
        module_id=c.module_id,
        title=c.discussion.title,
        author=AuthorOut.model_validate(c.discussion.author),
        status=c.status,
        created_at=c.created_at,
        first_response_at=c.first_response_at,
        resolved_at=c.resolved_at,
        closed_at=c.closed_at,
        rating=c.rating,
        rating_comment=c.rating_comment,
        assignees=[
            AssigneeOut(id=a.user.id, display_name=a.user.display_name, assigned_at=a.assigned_at)
            for a in c.assignees
        ],
        overdue=c.overdue,
        reply_count=c.discussion.reply_count,
        unread_count=c.unread,
        transitions=lifecycle.requests(c.status, parties, bool(c.assignees)),
        publish_consent=c.publish_consent,
        published_discussion_id=c.published_discussion_id,
        **extra,
    )


def _detail(c) -> ConsultationDetail:
    queries.annotate(current_user, [c])
    events = [
        EventOut(
            id=e.id,
            kind=e.kind.value,
            actor=AuthorOut.model_validate(e.actor) if e.actor else None,
            from_status=e.from_status,
            to_status=e.to_status,
            subject=AuthorOut.model_validate(e.subject) if e.subject else None,
            detail=e.detail,
            created_at=e.created_at,
        )
        for e in queries.timeline(c)
    ]
    return _out(c, ConsultationDetail, events=events)


def _key() -> str | None:
    return request.headers.get("Idempotency-Key") or None


@endpoint(
    bp,
    "/consultations",
    summary="Consultations the viewer may see (a committee its own; experts their desks'), "
    "filtered, with counts per status",
    query=ConsultationQuery,
    response=ConsultationList,
)
def list_consultations(params: ConsultationQuery):
    filters = Filters(
        status=params.status,
        assignee=params.assignee,
        community_id=params.community_id,
        platform_id=params.platform_id,
        older_than_days=params.older_than_days,
        overdue=params.overdue,
        order=params.order,
    )
    desk = queries.list_consultations(
        current_user, filters, (params.page - 1) * params.per_page, params.per_page
    )
    return ConsultationList(
        items=[_out(c) for c in desk.items],
        total=desk.total,
        page=params.page,
        per_page=params.per_page,
        counts=desk.counts,
    )


@endpoint(
    bp,
    "/consultations",
    "POST",
    summary="Open a consultation for one's community (its status is new); Idempotency-Key "
    "supported",
    body=ConsultationIn,
    response=ConsultationDetail,
    status=201,
    errors=(429,),
)
def create_consultation(data: ConsultationIn):
    rate_limits.posting(current_user)
    consultation = service.open_consultation(
        current_user, **data.model_dump(), idempotency_key=_key()
    )
    return idempotency.first_response(
        current_user, _key(), _detail(consultation).model_dump(mode="json")
    )


@endpoint(
    bp,
    "/consultations/<int:consultation_id>",
    summary="One consultation with its timeline",
    response=ConsultationDetail,
)
def get_consultation(consultation_id: int):
    return _detail(queries.get_consultation(current_user, consultation_id))


@endpoint(
    bp,
    "/consultations/<int:consultation_id>",
    "PATCH",
    summary="Change the title, the thematic platform or the assignees",
    body=ConsultationPatch,
    response=ConsultationDetail,
)
def patch_consultation(consultation_id: int, data: ConsultationPatch):
    consultation = queries.get_consultation(current_user, consultation_id)
    service.update_consultation(current_user, consultation, **data.model_dump(exclude_unset=True))
    return _detail(consultation)


@endpoint(
    bp,
    "/consultations/<int:consultation_id>/transitions",
    "POST",
    summary="Move a consultation along its life cycle (409 if the move is not allowed now, "
    "403 if it is not the viewer's to make); resolving needs a rating",
    body=TransitionIn,
    response=ConsultationDetail,
)
def create_transition(consultation_id: int, data: TransitionIn):
    consultation = queries.get_consultation(current_user, consultation_id)
    service.transition(
        current_user, consultation, data.to, rating=data.rating, comment=data.comment
    )
    return _detail(consultation)


@endpoint(
    bp,
    "/consultations/<int:consultation_id>/rating",
    "POST",
    summary="The committee resolves the consultation with a rating from 1 to 5",
    body=RatingIn,
    response=ConsultationDetail,
)
def create_rating(consultation_id: int, data: RatingIn):
    consultation = queries.get_consultation(current_user, consultation_id)
    service.rate(current_user, consultation, data.rating, data.comment)
    return _detail(consultation)


@endpoint(
    bp,
    "/consultations/<int:consultation_id>/publish",
    "POST",
    summary="Publish a resolved or closed consultation to the knowledge base, as its "
    "committee agreed (409 otherwise); experts of the desk and staff",
    body=PublishIn,
    response=ConsultationDetail,
    status=201,
)
def publish_consultation(consultation_id: int, data: PublishIn):
    consultation = queries.get_consultation(current_user, consultation_id)
    publishing.publish(
        current_user, consultation, anonymise=data.anonymise, attachment_ids=data.attachment_ids
    )
    return _detail(consultation)


def _posts(consultation_id: int, params: PageQuery, internal: bool) -> PostList:
    consultation = queries.get_consultation(current_user, consultation_id)
    discussion = consultation.discussion
    if internal:
        policy.require(current_user, "notes", discussion)
    thread = discussions.load_thread(
        current_user, discussion, page=params.page, per_page=params.per_page, internal=internal
    )
    return PostList(
        items=[_post_out(p, thread) for p in thread.posts],
        total=thread.total,
        page=params.page,
        per_page=params.per_page,
    )


def _write(consultation_id: int, data: ConsultationPostIn, internal: bool) -> PostOut:
    consultation = queries.get_consultation(current_user, consultation_id)
    rate_limits.posting(current_user)
    post = discussion_service.reply(
        current_user,
        consultation.discussion,
        body=data.body,
        parent_id=data.parent_id,
        internal=internal,
        idempotency_key=_key(),
    )
    return idempotency.first_response(current_user, _key(), _post_out(post).model_dump(mode="json"))


@endpoint(
    bp,
    "/consultations/<int:consultation_id>/posts",
    summary="The question and the public replies",
    query=PageQuery,
    response=PostList,
)
def list_posts(consultation_id: int, params: PageQuery):
    return _posts(consultation_id, params, internal=False)


@endpoint(
    bp,
    "/consultations/<int:consultation_id>/posts",
    "POST",
    summary="Reply (to parent_id, or to the question); Idempotency-Key supported",
    body=ConsultationPostIn,
    response=PostOut,
    status=201,
    errors=(429,),
)
def create_post(consultation_id: int, data: ConsultationPostIn):
    return _write(consultation_id, data, internal=False)


@endpoint(
    bp,
    "/consultations/<int:consultation_id>/notes",
    summary="Internal notes: the desk's experts and trainees and staff only (403 for others)",
    query=PageQuery,
    response=PostList,
)
def list_notes(consultation_id: int, params: PageQuery):
    return _posts(consultation_id, params, internal=True)


@endpoint(
    bp,
    "/consultations/<int:consultation_id>/notes",
    "POST",
    summary="Write an internal note (to parent_id, or on the question); Idempotency-Key supported",
    body=ConsultationPostIn,
    response=PostOut,
    status=201,
    errors=(429,),
)
def create_note(consultation_id: int, data: ConsultationPostIn):
    return _write(consultation_id, data, internal=True)


# --- monthly figures (cop/consultations/figures.py) --------------------------------------


class FiguresQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    first: str | None = Field(None, description="First month, YYYY-MM (default: five months ago)")
    last: str | None = Field(
        None, description="Last month, YYYY-MM (default: the first, or this month)"
    )
    by: Breakdown = Field(Breakdown.NONE, description="none, community, oblast or platform")


class FiguresCell(Output):
    opened: int = Field(description="Asked in the month")
    answered: int = Field(description="Of those opened, how many have had a first response")
    resolved: int = Field(description="Resolved in the month (latest resolution)")
    median_first_response_seconds: int | None = Field(
        description="Working time (Monday to Friday, site time zone) from asking to the "
        "first response, median over those opened and answered"
    )
    median_resolution_seconds: int | None = Field(
        description="Working time from asking to resolution, median over those resolved"
    )
    mean_rating: float | None = Field(description="Mean satisfaction (1-5) of those resolved")
    ratings: int


class FiguresGroup(FiguresCell):
    key: int | str | None = Field(
        description="The community or platform id, or the oblast; null: no platform"
    )
    name: str


class FiguresMonth(FiguresCell):
    month: str = Field(description="YYYY-MM")
    groups: list[FiguresGroup] = Field(description="Per group with anything to count")


class FiguresOut(Output):
    first: str
    last: str
    by: Breakdown
    months: list[FiguresMonth]
    groups: list[FiguresGroup] = Field(description="Per group, the whole period")
    total: FiguresCell


def _seconds(span) -> int | None:
    return None if span is None else round(span.total_seconds())


def _cell(cell, model=FiguresCell, **extra):
    return model(
        opened=cell.opened,
        answered=cell.answered,
        resolved=cell.resolved,
        median_first_response_seconds=_seconds(cell.median_response),
        median_resolution_seconds=_seconds(cell.median_resolution),
        mean_rating=cell.mean_rating,
        ratings=len(cell.ratings),
        **extra,
    )


@endpoint(
    bp,
    "/consultations/figures",
    summary="Monthly figures of the consultations the viewer may read (experts and staff "
    "only): opened, resolved, median working times, mean satisfaction, by month and group",
    query=FiguresQuery,
    response=FiguresOut,
)
def consultation_figures(params: FiguresQuery):
    if not policy.sees_figures(current_user):
        raise Forbidden(_("The consultation figures are for experts and moderators."))
    period = figures.read_period(params.first, params.last)
    found = figures.compute_figures(current_user, period, params.by, current_locale())
    return FiguresOut(
        first=f"{period.first:%Y-%m}",
        last=f"{period.last:%Y-%m}",
        by=found.breakdown,
        months=[
            _cell(
                found.by_month[month],
                FiguresMonth,
                month=f"{month:%Y-%m}",
                groups=[
                    _cell(cell, FiguresGroup, key=g.key, name=g.name)
                    for g, cell in found.rows(month)
                ],
            )
            for month in found.months
        ],
        groups=[
            _cell(found.by_group[g.key], FiguresGroup, key=g.key, name=g.name) for g in found.groups
        ],
        total=_cell(found.total),
    )
