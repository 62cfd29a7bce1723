"""Completion and progress: who completed what, which modules wait for the one before,
and the committee-by-module tables. Every function here runs a fixed number of queries,
whatever the number of members and modules."""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from cop import policy
from cop.accounts.models import User
from cop.courses.models import CourseModule, CourseSettings, ModuleCompletion, ModuleStatus
from cop.extensions import db
from cop.orgs.models import CommitteeMembership, Community
from cop.spaces.models import Space


def requires_previous(course_id: int) -> bool:
    settings = db.session.get(CourseSettings, course_id)
    return settings is not None and settings.requires_previous


def completed_ids(user, module_ids) -> set[int]:
    """Which of these modules the user has completed."""
    if not getattr(user, "is_authenticated", False) or not module_ids:
        return set()
    return set(
        db.session.scalars(
            select(ModuleCompletion.module_id).where(
                ModuleCompletion.user_id == user.id,
                ModuleCompletion.module_id.in_(list(module_ids)),
            )
        )
    )


def _waits(user, course: Space) -> bool:
    """Whether the restriction applies to this person in this course: learners only."""
    return requires_previous(course.id) and not policy.can(user, policy.MODERATE, course)


def locked_ids(user, course: Space, modules: list[CourseModule], done: set[int]) -> set[int]:
    """Of these modules (in course order), those waiting for the published module before
    them to be completed."""
    if not _waits(user, course):
        return set()
    locked, previous = set(), None
    for module in modules:
        if not module.published:
            continue
        if previous is not None and previous.id not in done:
            locked.add(module.id)
        previous = module
    return locked


def blocking_module(user, module: CourseModule) -> CourseModule | None:
    """The published module before this one, if the course requires it and the user has
    not completed it."""
    if not module.published or not _waits(user, module.course):
        return None
    previous = db.session.scalar(
        select(CourseModule)
        .where(
            CourseModule.course_id == module.course_id,
            CourseModule.status == ModuleStatus.PUBLISHED,
            CourseModule.position < module.position,
        )
        .order_by(CourseModule.position.desc())
        .limit(1)
    )
    if previous is None or previous.id in completed_ids(user, [previous.id]):
        return None
    return previous


def published_modules(course: Space) -> list[CourseModule]:
    return list(
        db.session.scalars(
            select(CourseModule)
            .where(
                CourseModule.course_id == course.id,
                CourseModule.status == ModuleStatus.PUBLISHED,
            )
            .order_by(CourseModule.position)
        )
    )


@dataclass
class Row:
    """One committee member and the modules they completed."""

    user: User
    community: Community
    done: set[int] = field(default_factory=set)


@dataclass
class Table:
    modules: list[CourseModule]
    rows: list[Row]
    communities: list[Community]  # every community with a committee, for choosing
    # Per community id: its committee's size and, per module id, how many completed it.
    sizes: dict[int, int]
    counts: dict[int, dict[int, int]]

    def percent(self, community_id: int, module_id: int) -> int:
        size = self.sizes.get(community_id, 0)
        done = self.counts.get(community_id, {}).get(module_id, 0)
        return round(100 * done / size) if size else 0

    def module_percent(self, module_id: int) -> int:
        size = sum(self.sizes.values())
        done = sum(c.get(module_id, 0) for c in self.counts.values())
        return round(100 * done / size) if size else 0


def progress_table(course: Space, community_id: int | None = None) -> Table:
    """Committee members (of one community, or of all) by the course's published modules,
    and the completion counts per community and module: five queries in all."""
    modules = published_modules(course)
    module_ids = [m.id for m in modules]
    active = select(User.id).where(User.active.is_(True))
    members = select(User, Community).join(
        CommitteeMembership, CommitteeMembership.user_id == User.id
    )
    members = members.join(Community, Community.id == CommitteeMembership.community_id).where(
        User.active.is_(True)
    )
    if community_id is not None:
        members = members.where(Community.id == community_id)
    rows = [
        Row(user, community)
        for user, community in db.session.execute(
            members.order_by(Community.name, User.display_name, User.id)
        )
    ]
    by_user: dict[int, list[Row]] = {}
    for row in rows:
        by_user.setdefault(row.user.id, []).append(row)
    if rows and module_ids:
        for user_id, module_id in db.session.execute(
            select(ModuleCompletion.user_id, ModuleCompletion.module_id).where(
                ModuleCompletion.module_id.in_(module_ids),
                ModuleCompletion.user_id.in_(list(by_user)),
            )
        ):
            for row in by_user[user_id]:
                row.done.add(module_id)
    sizes = dict(
        db.session.execute(
            select(CommitteeMembership.community_id, func.count())
            .where(CommitteeMembership.user_id.in_(active))
            .group_by(CommitteeMembership.community_id)
        ).all()
    )
    counts: dict[int, dict[int, int]] = {}
    if module_ids:
        for community, module_id, n in db.session.execute(
            select(CommitteeMembership.community_id, ModuleCompletion.module_id, func.count())
            .join(ModuleCompletion, ModuleCompletion.user_id == CommitteeMembership.user_id)
            .where(
                ModuleCompletion.module_id.in_(module_ids),
                CommitteeMembership.user_id.in_(active),
            )
            .group_by(CommitteeMembership.community_id, ModuleCompletion.module_id)
        ):
            counts.setdefault(community, {})[module_id] = n
    communities = (
        list(
            db.session.scalars(
                select(Community).where(Community.id.in_(list(sizes))).order_by(Community.name)
            )
        )
        if sizes
        else []
    )
    return Table(modules, rows, communities, sizes, counts)
