from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from cop import events, person_cache, policy
from cop.collation import by_person
from cop.errors import NotFound
from cop.extensions import db
from cop.orgs.models import CommitteeMembership, Community
from cop.spaces.events import UNREAD_COUNTS
from cop.spaces.models import Space, SpaceKind, SpaceMembership


def get_space(user, space_id: int, kept: bool = False) -> Space:
    """The space if the user may view it; NotFound alike for missing and private ones.
    `kept` (pages that only read it): for a person signed in, the space as an earlier
    request loaded it, while the page generation has not moved (`_kept_space`)."""
    space = _kept_space(user, space_id) if kept else db.session.get(Space, space_id)
    if space is None or not policy.can(user, policy.VIEW, space):
        raise NotFound()
    return space


def _kept_space(user, space_id: int) -> Space | None:
    """The space put into this session from a copy kept for everyone (no statement), or
    loaded. The copy is kept until the page generation moves, as it does on any write to
    a space, its forum settings, course module, platform, community or expert group; it
    belongs to no session, so nothing done to this request's instance reaches it."""
    if not getattr(user, "is_authenticated", False):
        return db.session.get(Space, space_id)
    policy.facts(user)  # every page asks for them; their query also reads the key
    loaded = []

    def load() -> Space | None:
        space = db.session.get(Space, space_id)
        loaded.append(space)
        if space is None:
            return None
        scratch = Session()  # a copy of the loaded state, then out of any session
        copy = scratch.merge(space, load=False)
        scratch.expunge_all()
        return copy

    copy = person_cache.kept_for_everyone(user, ("space", space_id), load)
    if loaded:
        return loaded[0]
    return db.session.merge(copy, load=False)


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


@dataclass(frozen=True)
class Named:
    """A thematic platform's or a community's names, kept apart from the session."""

    name_uk: str
    name_en: str

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_uk


@dataclass(frozen=True)
class SpaceCard:
    """What a space's card on the dashboard shows (and `space_url` needs)."""

    id: int
    kind: SpaceKind
    title: str
    description: str
    community_id: int | None
    platform: Named | None


@dataclass(frozen=True)
class CommunityLine:
    name: str
    kind: object
    oblast: str


def dashboard_lists(user, limit: int):
    """The dashboard's communities, the user's spaces and the others they may view (at
    most `limit`), as plain values kept per person until a write that may change them
    (cop/person_cache.py: spaces, memberships and roles all move the page generation)."""
    policy.facts(user)  # every page asks for them; their query also reads the cache's key
    return person_cache.kept(
        user,
        "dashboard",
        lambda: _dashboard_lists(user, limit),
        personal=False,
        weight=lambda lists: 1 + sum(map(len, lists)),
    )


def _card(space: Space) -> SpaceCard:
    platform = space.platform
    return SpaceCard(
        space.id,
        space.kind,
        space.title,
        space.description,
        space.community_id,
        Named(platform.name_uk, platform.name_en) if platform else None,
    )


def _dashboard_lists(user, limit: int):
    communities = []
    if user.is_authenticated:
        communities = [
            CommunityLine(c.name, c.kind, c.oblast)
            for c in db.session.scalars(
                select(Community)
                .join(CommitteeMembership)
                .where(CommitteeMembership.user_id == user.id)
                .order_by(Community.name)
            )
        ]
    mine = list_my_spaces(user)
    readable, _total = list_spaces(user, limit=limit)
    mine_ids = {s.id for s in mine}
    others = [s for s in readable if s.id not in mine_ids]
    return communities, [_card(s) for s in mine], [_card(s) for s in others]


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
