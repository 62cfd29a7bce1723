"""Reading consultations, already filtered by what the user may see: a consultation is
seen by whoever may view its discussion (its desk's committee, experts and trainees, and
staff), so no list, count or page ever shows another community's."""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import exists, func, select
from sqlalchemy.orm import contains_eager, selectinload

from cop import policy
from cop.accounts.models import User
from cop.attachments.queries import ID_MAX
from cop.collation import by_person
from cop.consultations import times
from cop.consultations.models import (
    Consultation,
    ConsultationAssignee,
    ConsultationEvent,
    Status,
)
from cop.db import utcnow
from cop.discussions import reads
from cop.discussions.models import Discussion
from cop.errors import NotFound
from cop.extensions import db
from cop.orgs.models import Community
from cop.spaces.models import Space, SpaceKind


class Assignee(StrEnum):
    ANY = "any"
    MINE = "mine"
    UNASSIGNED = "unassigned"


class Order(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True)
class Filters:
    status: Status | None = None
    assignee: Assignee = Assignee.ANY
    community_id: int | None = None
    platform_id: int | None = None
    older_than_days: int | None = None  # asked at least this many days ago
    overdue: bool = False  # only those past the response target
    order: Order = Order.NEWEST


@dataclass
class Desk:
    """A page of consultations with their counts per status (under the same filters,
    whatever the status filter says) and the total of the page's filter."""

    items: list[Consultation]
    total: int
    counts: dict[Status, int]


def get_consultation(user, consultation_id: int) -> Consultation:
    """The consultation if the user may view it: one query with its discussion's read
    rule, so one that exists but is not theirs costs what a missing id costs."""
    consultation = (
        db.session.scalar(
            select(Consultation)
            .join(Discussion, Discussion.id == Consultation.discussion_id)
            .join(Space, Space.id == Discussion.space_id)
            .where(Consultation.id == consultation_id, policy.readable_discussions_anywhere(user))
        )
        if consultation_id <= ID_MAX
        else None
    )
    if consultation is None or not policy.can(user, policy.VIEW, consultation):
        raise NotFound()
    return consultation


def id_for_discussion(discussion_id: int) -> int | None:
    return db.session.scalar(
        select(Consultation.id).where(Consultation.discussion_id == discussion_id)
    )


def _conditions(user, filters: Filters) -> list:
    where = [policy.readable_discussions_anywhere(user)]
    if filters.assignee == Assignee.MINE:
        where.append(
            exists().where(
                ConsultationAssignee.consultation_id == Consultation.id,
                ConsultationAssignee.user_id == (user.id if user.is_authenticated else None),
            )
        )
    elif filters.assignee == Assignee.UNASSIGNED:
        where.append(~exists().where(ConsultationAssignee.consultation_id == Consultation.id))
    if filters.community_id is not None:
        where.append(Consultation.community_id == filters.community_id)
    if filters.platform_id is not None:
        where.append(Consultation.platform_id == filters.platform_id)
    now = utcnow()
    if filters.older_than_days is not None:
        where.append(Consultation.created_at <= now - timedelta(days=filters.older_than_days))
    if filters.overdue:
        cutoff = times.overdue_cutoff(now, times.response_target(), times.site_zone())
        where += [
            Consultation.first_response_at.is_(None),
            Consultation.status.not_in([Status.RESOLVED, Status.CLOSED]),
            Consultation.created_at < cutoff,
        ]
    return where


def _joined(query):
    return query.join(Discussion, Discussion.id == Consultation.discussion_id).join(
        Space, Space.id == Discussion.space_id
    )


def list_consultations(
    user, filters: Filters = Filters(), offset: int = 0, limit: int = 50
) -> Desk:
    """The consultations the user may see, filtered, with their assignees, whether each
    is overdue and how many of its posts the user has not read: a fixed number of
    queries however many there are."""
    where = _conditions(user, filters)
    counts = {status: 0 for status in Status}
    for status, count in db.session.execute(
        _joined(select(Consultation.status, func.count()).select_from(Consultation))
        .where(*where)
        .group_by(Consultation.status)
    ):
        counts[status] = count
    if filters.status is not None:
        where.append(Consultation.status == filters.status)
        total = counts[filters.status]
    else:
        total = sum(counts.values())
    order = (
        Consultation.created_at.asc()
        if filters.order == Order.OLDEST
        else Consultation.created_at.desc()
    )
    items = list(
        db.session.scalars(
            _joined(select(Consultation))
            .options(
                contains_eager(Consultation.discussion).contains_eager(Discussion.space),
                selectinload(Consultation.assignees),
            )
            .where(*where)
            .order_by(order, Consultation.id)
            .offset(offset)
            .limit(limit)
        ).unique()
    )
    annotate(user, items)
    return Desk(items, total, counts)


def annotate(user, consultations: list[Consultation]) -> None:
    """Set `overdue` and `unread` (posts the user may see and has not read) on each."""
    now, target, zone = utcnow(), times.response_target(), times.site_zone()
    unread = reads.unread_counts(user, [c.discussion_id for c in consultations])
    for c in consultations:
        c.overdue = times.is_overdue(c, now, target, zone)
        c.unread = unread.get(c.discussion_id, 0)


def timeline(consultation: Consultation) -> list[ConsultationEvent]:
    return list(
        db.session.scalars(
            select(ConsultationEvent)
            .where(ConsultationEvent.consultation_id == consultation.id)
            .order_by(ConsultationEvent.created_at, ConsultationEvent.id)
        )
    )


def desk_team(consultation: Consultation) -> list[User]:
    """Who may be assigned: the desk's active experts and trainees."""
    space = consultation.discussion.space
    return by_person(
        db.session.scalars(select(User).where(policy.desk_team(space)).order_by(User.id))
    )


def communities_on_desks(user) -> list[Community]:
    """The communities whose consultation desks the user may read (for the filter)."""
    return list(
        db.session.scalars(
            select(Community)
            .where(
                Community.id.in_(
                    select(Space.community_id).where(
                        Space.kind == SpaceKind.CONSULTATION_DESK, policy.readable_spaces(user)
                    )
                )
            )
            .order_by(Community.name)
        )
    )


def my_committees(user) -> list[Community]:
    """The communities the user may open a consultation for: their committees', or every
    community for staff."""
    query = select(Community).order_by(Community.name)
    if not policy.can(user, policy.MODERATE, policy.SITE):
        query = query.where(Community.id.in_(policy.facts(user).committee_community_ids))
    return list(db.session.scalars(query))
