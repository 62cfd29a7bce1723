from sqlalchemy import func, select

from cop import policy
from cop.errors import NotFound
from cop.extensions import db
from cop.spaces.models import Space, SpaceKind, SpaceMembership


def get_space(user, space_id: int) -> Space:
    """The space if the user may view it; NotFound alike for missing and private ones."""
    space = db.session.get(Space, space_id)
    if space is None or not policy.can(user, policy.VIEW, space):
        raise NotFound()
    return space


def list_spaces(user, kind: SpaceKind | None = None, offset: int = 0, limit: int | None = None):
    """Spaces the user may view, and how many there are in all."""
    where = [policy.readable_spaces(user)]
    if kind is not None:
        where.append(Space.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(Space).where(*where))
    query = select(Space).where(*where).order_by(Space.kind, Space.title, Space.id)
    query = query.offset(offset).limit(limit)
    return list(db.session.scalars(query)), total


def list_my_spaces(user) -> list[Space]:
    """For the dashboard: closed spaces the user belongs to, then spaces they joined."""
    if not user.is_authenticated:
        return []
    spaces, _total = list_spaces(user)
    f = policy.facts(user)
    return [
        s
        for s in spaces
        if s.kind in (SpaceKind.EXPERT_ROOM, SpaceKind.CONSULTATION_DESK) or s.id in f.space_roles
    ]


def list_members(space: Space) -> list[SpaceMembership]:
    return list(
        db.session.scalars(
            select(SpaceMembership)
            .where(SpaceMembership.space_id == space.id)
            .order_by(SpaceMembership.created_at)
        )
    )
