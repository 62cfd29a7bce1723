"""Published course modules: one document per module, in its course's space, so a learner
finds what the modules teach. Drafts are never indexed (a learner never sees one: the
policy's module rule), and unpublishing a module removes its document.

In a course whose modules wait for the previous one to be completed
(`CourseSettings.requires_previous`), a locked module shows a learner only its title, so
only the title is indexed there."""

from collections.abc import Iterator
from datetime import UTC

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from cop.courses.models import CourseModule, CourseSettings, ModuleStatus
from cop.orgs.models import Community
from cop.spaces.models import Space

PREFIX = "module:"

WATCH = [
    (
        CourseModule,
        ("title", "body", "status", "course_id", "author_id", "published_at"),
        lambda module: ("id", f"{PREFIX}{module.id}"),
    ),
    (CourseSettings, ("requires_previous",), lambda settings: ("space", settings.space_id)),
]


def _select(where: ColumnElement[bool]):
    return (
        select(
            CourseModule.id,
            CourseModule.title,
            CourseModule.body,
            CourseModule.author_id,
            CourseModule.created_at,
            CourseModule.published_at,
            Space.id,
            Space.platform_id,
            Space.community_id,
            Community.oblast,
            func.coalesce(CourseSettings.requires_previous, false()),
        )
        .join(Space, CourseModule.course_id == Space.id)
        .outerjoin(CourseSettings, CourseSettings.space_id == Space.id)
        .outerjoin(Community, Community.id == Space.community_id)
        .where(CourseModule.status == ModuleStatus.PUBLISHED, where)
        .order_by(CourseModule.id)
    )


def _document(row) -> tuple[str, dict]:
    (
        module_id,
        title,
        body,
        author_id,
        created_at,
        published_at,
        course_id,
        platform_id,
        community_id,
        oblast,
        requires_previous,
    ) = row
    created = (published_at or created_at).astimezone(UTC).replace(tzinfo=None)
    doc_id = f"{PREFIX}{module_id}"
    return doc_id, {
        "id": doc_id,
        "kind": "module",
        "post": "",
        "discussion": "",
        "consultation": "",
        "space": str(course_id),
        "community": str(community_id or ""),
        "oblast": oblast or "",
        "platform": str(platform_id or ""),
        "status": "",
        "created": created,
        "year": str(created.year),
        "heading": title,
        "text": title if requires_previous else f"{title}\n\n{body}",
        "author": str(author_id),
        # A published module is read by whoever reads its course.
        "first": "1",
        "group": "all",
        "private": "0",
        "audience": "",
        "internal": "0",
        "hidden": "0",
    }


def module_id(doc_id: str) -> int | None:
    return int(doc_id.removeprefix(PREFIX)) if doc_id.startswith(PREFIX) else None


def documents(session: Session, keys: set[tuple[str, str]]) -> dict[str, dict]:
    clauses = []
    modules = [module_id(v) for f, v in keys if f == "id" and module_id(v) is not None]
    if modules:
        clauses.append(CourseModule.id.in_(modules))
    for name, column in (("space", Space.id), ("community", Space.community_id)):
        values = [int(v) for f, v in keys if f == name and v.isdigit()]
        if values:
            clauses.append(column.in_(values))
    if not clauses:
        return {}
    return dict(_document(row) for row in session.execute(_select(or_(*clauses))))


def document_ids(session: Session, field: str, value: str, limit: int) -> set[str]:
    """The ids of at most `limit` documents one key covers (drafts too: a few too many)."""
    columns = {"space": Space.id, "community": Space.community_id}
    if field == "id" and module_id(value) is not None:
        where = CourseModule.id == module_id(value)
    elif field in columns and value.isdigit():
        where = columns[field] == int(value)
    else:
        return set()
    ids = session.scalars(
        select(CourseModule.id)
        .join(Space, CourseModule.course_id == Space.id)
        .where(where)
        .limit(limit)
    )
    return {f"{PREFIX}{i}" for i in ids}


def all_documents(session: Session, after: int = 0) -> Iterator[tuple[str, dict]]:
    for row in session.execute(_select(CourseModule.id > after)):
        yield _document(row)


def count(session: Session) -> int:
    return session.scalar(
        select(func.count())
        .select_from(CourseModule)
        .where(CourseModule.status == ModuleStatus.PUBLISHED)
    )
