"""Reading courses and modules, already filtered by what the user may see."""

from dataclasses import dataclass

from sqlalchemy import select

from cop import policy
from cop.attachments.models import Attachment
from cop.courses import progress
from cop.courses.models import CourseModule, ModuleLink, ModuleRevision
from cop.discussions.models import Discussion
from cop.errors import NotFound
from cop.extensions import db
from cop.spaces.models import Space, SpaceKind
from cop.spaces.queries import get_space

ID_MAX = 2**31 - 1


def get_course(user, course_id: int) -> Space:
    course = get_space(user, course_id) if course_id <= ID_MAX else None
    if course is None or course.kind != SpaceKind.COURSE:
        raise NotFound()
    return course


def get_module(user, module_id: int) -> CourseModule:
    module = db.session.get(CourseModule, module_id) if module_id <= ID_MAX else None
    if module is None or not policy.can(user, policy.VIEW, module):
        raise NotFound()
    return module


def list_courses(user) -> list[Space]:
    query = select(Space).where(policy.readable_spaces(user), Space.kind == SpaceKind.COURSE)
    return list(db.session.scalars(query.order_by(Space.title, Space.id)))


def list_modules(user, course: Space) -> list[CourseModule]:
    """The course's modules the user may see (drafts only to their authors and those who
    publish), in course order."""
    return list(
        db.session.scalars(
            select(CourseModule)
            .where(CourseModule.course_id == course.id, policy.readable_modules(user))
            .order_by(CourseModule.position, CourseModule.id)
        )
    )


@dataclass
class Overview:
    """A course as one person sees it: modules, what they completed, what is locked."""

    modules: list[CourseModule]
    done: set[int]
    locked: set[int]

    @property
    def published(self) -> list[CourseModule]:
        return [m for m in self.modules if m.published]

    @property
    def completed(self) -> int:
        return sum(1 for m in self.published if m.id in self.done)

    @property
    def percent(self) -> int:
        total = len(self.published)
        return round(100 * self.completed / total) if total else 0

    @property
    def next(self) -> CourseModule | None:
        """The first published module not completed yet and open."""
        for m in self.published:
            if m.id not in self.done and m.id not in self.locked:
                return m
        return None


def overview(user, course: Space) -> Overview:
    modules = list_modules(user, course)
    done = progress.completed_ids(user, [m.id for m in modules])
    return Overview(modules, done, progress.locked_ids(user, course, modules, done))


def links_of(module_ids) -> dict[int, list[ModuleLink]]:
    found: dict[int, list[ModuleLink]] = {}
    if module_ids:
        rows = db.session.scalars(
            select(ModuleLink)
            .where(ModuleLink.module_id.in_(list(module_ids)))
            .order_by(ModuleLink.id)
        )
        for link in rows:
            found.setdefault(link.module_id, []).append(link)
    return found


def resources_of(module_ids) -> dict[int, list[Attachment]]:
    found: dict[int, list[Attachment]] = {}
    if module_ids:
        rows = db.session.scalars(
            select(Attachment)
            .where(Attachment.module_id.in_(list(module_ids)))
            .order_by(Attachment.id)
        )
        for attachment in rows:
            found.setdefault(attachment.module_id, []).append(attachment)
    return found


def get_link(user, module: CourseModule, link_id: int) -> ModuleLink:
    link = db.session.get(ModuleLink, link_id) if link_id <= ID_MAX else None
    if link is None or link.module_id != module.id:
        raise NotFound()
    return link


def get_resource(user, module: CourseModule, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id) if attachment_id <= ID_MAX else None
    if attachment is None or attachment.module_id != module.id:
        raise NotFound()
    return attachment


def list_revisions(module: CourseModule) -> list[ModuleRevision]:
    return list(
        db.session.scalars(
            select(ModuleRevision)
            .where(ModuleRevision.module_id == module.id)
            .order_by(ModuleRevision.created_at.desc(), ModuleRevision.id.desc())
        )
    )


def recent_discussions(user, modules: list[CourseModule], limit: int = 5) -> list[Discussion]:
    """The latest active discussions in these modules' forums that the user may read, by
    their activity as far as the user may see it (`policy.last_activity`: a Q&A answer the
    user may not read yet neither reorders nor dates them), kept as `last_activity`."""
    forum_ids = [m.forum_id for m in modules]
    if not forum_ids:
        return []
    activity = policy.last_activity_anywhere(user)
    rows = db.session.execute(
        select(Discussion, activity)
        .join(Space, Space.id == Discussion.space_id)
        .where(
            Discussion.space_id.in_(forum_ids),
            policy.readable_discussions_anywhere(user),
        )
        .order_by(activity.desc(), Discussion.id.desc())
        .limit(limit)
    ).all()
    for discussion, last in rows:
        discussion.last_activity = last
    return [discussion for discussion, _last in rows]
