"""Discussions and their posts, consultations (a question and its replies on a desk, with
internal notes), and archived live Q&A: all of them are posts in a discussion. One
document per post that is not deleted; the opening post carries the discussion's title."""

from collections.abc import Iterator
from datetime import UTC

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from cop.consultations.models import Consultation, ConsultationEvent
from cop.discussions.models import Discussion, DiscussionTag, Post
from cop.orgs.models import Community
from cop.spaces.models import Space, SpaceKind

KINDS = {SpaceKind.CONSULTATION_DESK: "consultation", SpaceKind.LIVE: "live"}

WATCH = [
    (
        Post,
        ("body", "private_to_id", "internal", "deleted_at", "hidden_at", "parent_id")
        + ("discussion_id", "author_id", "created_at"),
        lambda post: ("post", post.id),
    ),
    (
        Discussion,
        ("title", "space_id", "community_id", "author_id"),
        lambda discussion: ("discussion", discussion.id),
    ),
    (DiscussionTag, (), lambda tag: ("discussion", tag.discussion_id)),
    (
        Consultation,
        ("status", "platform_id", "community_id", "discussion_id"),
        lambda consultation: ("consultation", consultation.id),
    ),
    # Status moves are guarded UPDATE statements, which no flush sees; each one records
    # an event in the same transaction.
    (ConsultationEvent, (), lambda event: ("consultation", event.consultation_id)),
    (Space, ("kind", "platform_id", "community_id"), lambda space: ("space", space.id)),
    (Community, ("oblast",), lambda community: ("community", community.id)),
]

_community_id = func.coalesce(
    Consultation.community_id, Discussion.community_id, Space.community_id
)
_KEY_COLUMNS = {
    "post": Post.id,
    "discussion": Post.discussion_id,
    "consultation": Consultation.id,
    "space": Discussion.space_id,
    "community": _community_id,
}


def _select(where: ColumnElement[bool]):
    return (
        select(
            Post.id,
            Post.parent_id,
            Post.author_id,
            Post.body,
            Post.private_to_id,
            Post.internal,
            Post.hidden_at,
            Post.created_at,
            Discussion.id,
            Discussion.title,
            Discussion.community_id,
            Space.id,
            Space.kind,
            Space.platform_id,
            Consultation.id,
            Consultation.status,
            Consultation.platform_id,
            _community_id,
            Community.oblast,
        )
        .join(Discussion, Post.discussion_id == Discussion.id)
        .join(Space, Discussion.space_id == Space.id)
        .outerjoin(Consultation, Consultation.discussion_id == Discussion.id)
        .outerjoin(Community, Community.id == _community_id)
        .where(Post.deleted_at.is_(None), where)
        .order_by(Post.id)
    )


def _tags(session: Session, rows) -> dict[int, str]:
    """The tags of the rows' discussions, comma-separated for the `tags` field."""
    ids = {row[8] for row in rows}
    found: dict[int, list[str]] = {}
    if ids:
        for discussion_id, name in session.execute(
            select(DiscussionTag.discussion_id, DiscussionTag.name).where(
                DiscussionTag.discussion_id.in_(ids)
            )
        ):
            found.setdefault(discussion_id, []).append(name)
    return {i: ",".join(sorted(names)) for i, names in found.items()}


def _documents(session: Session, rows) -> list[tuple[str, dict]]:
    tags = _tags(session, rows)
    return [_document(row, tags.get(row[8], "")) for row in rows]


def _document(row, tags: str) -> tuple[str, dict]:
    (
        post_id,
        parent_id,
        author_id,
        body,
        private_to_id,
        internal,
        hidden_at,
        created_at,
        discussion_id,
        title,
        group_id,
        space_id,
        space_kind,
        space_platform_id,
        consultation_id,
        status,
        platform_id,
        community_id,
        oblast,
    ) = row
    first = parent_id is None
    platform_id = platform_id or space_platform_id
    created = created_at.astimezone(UTC).replace(tzinfo=None)
    doc_id = f"{PREFIX}{post_id}"
    return doc_id, {
        "id": doc_id,
        "kind": KINDS.get(space_kind, "discussion"),
        "post": str(post_id),
        "discussion": str(discussion_id),
        "consultation": str(consultation_id or ""),
        "space": str(space_id),
        "community": str(community_id or ""),
        "oblast": oblast or "",
        "platform": str(platform_id or ""),
        "status": str(status or ""),
        "created": created,
        "year": str(created.year),
        "heading": title,
        "text": f"{title}\n\n{body}" if first else body,
        "author": str(author_id),
        "tags": tags,
        # What the permission filter (cop/search/permissions.py) needs:
        "first": "1" if first else "0",
        "group": str(group_id) if group_id else "all",
        "private": "1" if private_to_id else "0",
        "audience": f"{private_to_id} {author_id}" if private_to_id else "",
        "internal": "1" if internal else "0",
        "hidden": "1" if hidden_at else "0",
    }


PREFIX = "post:"


def _key(field: str, value: str) -> tuple[str, int] | None:
    """A key as (field of _KEY_COLUMNS, number); an ("id", "post:N") key is a post's."""
    if field == "id" and value.startswith(PREFIX):
        field, value = "post", value.removeprefix(PREFIX)
    if field in _KEY_COLUMNS and value.isdigit():
        return field, int(value)
    return None


def document_ids(session: Session, field: str, value: str, limit: int) -> set[str]:
    """The ids of at most `limit` documents one key covers."""
    key = _key(field, value)
    if key is None:
        return set()
    column = _KEY_COLUMNS[key[0]]
    ids = session.scalars(
        select(Post.id)
        .join(Discussion, Post.discussion_id == Discussion.id)
        .join(Space, Discussion.space_id == Space.id)
        .outerjoin(Consultation, Consultation.discussion_id == Discussion.id)
        .where(Post.deleted_at.is_(None), column == key[1])
        .limit(limit)
    )
    return {f"{PREFIX}{post_id}" for post_id in ids}


def documents(session: Session, keys: set[tuple[str, str]]) -> dict[str, dict]:
    by_field: dict[str, list[int]] = {}
    for field, value in keys:
        key = _key(field, value)
        if key is not None:
            by_field.setdefault(key[0], []).append(key[1])
    if not by_field:
        return {}
    where = or_(*(_KEY_COLUMNS[field].in_(values) for field, values in by_field.items()))
    return dict(_documents(session, session.execute(_select(where)).all()))


def all_documents(session: Session, after: int = 0) -> Iterator[tuple[str, dict]]:
    last = after
    while True:
        rows = session.execute(_select(Post.id > last).limit(2000)).all()
        if not rows:
            return
        yield from _documents(session, rows)
        last = rows[-1][0]


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Post).where(Post.deleted_at.is_(None)))
