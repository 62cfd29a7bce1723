from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from cop import events, policy
from cop.collation import by_person
from cop.errors import NotFound
from cop.extensions import db
from cop.spaces.events import UNREAD_COUNTS
from cop.spaces.models import Space, SpaceKind, SpaceMembership


def get_space(user, space_id: int) -> Space:
    """The space if the user may view it; NotFound alike for missing and private ones."""
    space = db.session.get(Space, space_id)
    if space is None or not policy.can(user, policy.VIEW, space):
        raise NotFound()
    return space


def list_spaces(user, kind: SpaceKind | None = None, offset: int = 0, limit: int | None = None):
    """Spaces the user may view, and how many there are in all (a course module's forum
    is listed with its module, not here)."""
    where = [policy.readable_spaces(user), ~Space.course_module.has()]
    if kind is not None:
        where.append(Space.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(Space).where(*where))
    query = select(Space).where(*where).order_by(Space.kind, Space.title, Space.id)
    query = query.offset(offset).limit(limit)
    return list(db.session.scalars(query)), total


def list_my_spaces(user) -> list[Space]:
    """For the dashboard: the closed spaces the user reads, and spaces they joined."""
    if not user.is_authenticated:
        return []
    joined = list(policy.facts(user).space_roles)
    mine = or_(Space.kind.in_(policy.CLOSED_KINDS), Space.id.in_(joined))
    query = select(Space).where(policy.readable_spaces(user), mine, ~Space.course_module.has())
    return list(db.session.scalars(query.order_by(Space.kind, Space.title, Space.id)))


def list_members(space: Space) -> list[SpaceMembership]:
    """The space's members in Ukrainian order, surname first."""
    rows = db.session.scalars(
        select(SpaceMembership)
        .where(SpaceMembership.space_id == space.id)
        .options(joinedload(SpaceMembership.user))
        .order_by(SpaceMembership.user_id)
    )
    return by_person(rows, lambda m: m.user.display_name)


def unread_counts(user, space_ids: list[int]) -> dict[int, int]:
    """Unread posts per space, from the features that count them (UNREAD_COUNTS)."""
    counts = {}
    for answer in events.ask(UNREAD_COUNTS, user, space_ids):
        counts.update(answer)
    return counts
