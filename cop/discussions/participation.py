"""The participation report of a forum (Moodle's forum summary report): how many
discussions and replies each person wrote, optionally for one group (community) and a
period, for those who moderate the space.

Counted: the posts the reader may see as a moderator, not deleted, in the discussions
the reader's groups allow (`policy.report_discussions`); internal notes only for those
who see them. With a group, its people are listed even without a post (who has not
taken part is what a facilitator looks for); a group's staff (`policy.report_groups`)
always sees their own groups' people only. Days are the site's time zone, both ends
included. Two queries whatever the number of people: the groups to choose from and the
counts with the names."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import and_, case, func, or_, select

from cop import policy
from cop.accounts.models import User
from cop.collation import person_sort_key, uk_sort_key
from cop.discussions.models import Discussion, Post
from cop.errors import Invalid
from cop.extensions import db
from cop.inputs import Day, Id
from cop.orgs.models import CommitteeMembership, Community
from cop.spaces.models import Space


class ParticipationQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    group: Id | None = Field(None, description="Only the people of this community's group")
    first: Day | None = Field(None, description="From this day (site time zone), inclusive")
    last: Day | None = Field(None, description="To this day (site time zone), inclusive")

    @field_validator("group", "first", "last", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        """The page's form sends its empty fields: no filter."""
        return None if value == "" else value


@dataclass(frozen=True)
class Group:
    id: int
    name: str


@dataclass(frozen=True)
class Row:
    user_id: int
    name: str
    discussions: int
    replies: int
    last_post_at: datetime | None

    @property
    def posts(self) -> int:
        return self.discussions + self.replies


@dataclass(frozen=True)
class Participation:
    space: Space
    query: ParticipationQuery
    groups: list[Group]  # to filter by: the reader's own, or those taking part
    group: Group | None
    rows: list[Row]  # most posts first

    @property
    def discussions(self) -> int:
        return sum(r.discussions for r in self.rows)

    @property
    def replies(self) -> int:
        return sum(r.replies for r in self.rows)


def _bounds(query: ParticipationQuery) -> tuple[datetime | None, datetime | None]:
    if query.first and query.last and query.first > query.last:
        message = _("The first day comes after the last.")
        raise Invalid(message, fields={"first": message})
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])

    def start(day: date) -> datetime:
        return datetime.combine(day, time(), zone).astimezone(UTC)

    return (
        start(query.first) if query.first else None,
        start(query.last + timedelta(days=1)) if query.last else None,
    )


def _groups(user, space: Space, allowed: frozenset[int] | None) -> list[Group]:
    """The reader's groups; for those who see every group, the communities whose
    committees have written in the space or that have discussions of their own there."""
    if allowed is not None:
        where = Community.id.in_(list(allowed))
    else:
        writers = select(Post.author_id).join(Discussion).where(Discussion.space_id == space.id)
        where = or_(
            Community.id.in_(
                select(CommitteeMembership.community_id).where(
                    CommitteeMembership.user_id.in_(writers)
                )
            ),
            Community.id.in_(
                select(Discussion.community_id).where(Discussion.space_id == space.id)
            ),
        )
    found = db.session.execute(select(Community.id, Community.name).where(where)).all()
    return sorted((Group(i, n) for i, n in found), key=lambda g: uk_sort_key(g.name))


def participation(user, space: Space, query: ParticipationQuery) -> Participation:
    """The report; the caller has checked that the user moderates the space."""
    first, last = _bounds(query)
    allowed = policy.report_groups(user, space)
    groups = _groups(user, space, allowed)
    group = next((g for g in groups if g.id == query.group), None)
    if query.group is not None and group is None:
        message = _("There is no such group in this forum.")
        raise Invalid(message, fields={"group": message})
    conditions = [
        Discussion.space_id == space.id,
        Post.deleted_at.is_(None),
        policy.report_discussions(user, space),
    ]
    if not policy.sees_internal(user, space):
        conditions.append(Post.internal.is_(False))
    if first is not None:
        conditions.append(Post.created_at >= first)
    if last is not None:
        conditions.append(Post.created_at < last)
    counts = (
        select(
            Post.author_id.label("user_id"),
            func.sum(case((Post.parent_id.is_(None), 1), else_=0)).label("discussions"),
            func.sum(case((Post.parent_id.is_not(None), 1), else_=0)).label("replies"),
            func.max(Post.created_at).label("last_post_at"),
        )
        .join(Discussion, Post.discussion_id == Discussion.id)
        .where(and_(*conditions))
        .group_by(Post.author_id)
        .subquery()
    )
    people = [g.id for g in groups] if allowed is not None else None
    if group is not None:
        people = [group.id]
    columns = (
        User.id,
        User.display_name,
        func.coalesce(counts.c.discussions, 0),
        func.coalesce(counts.c.replies, 0),
        counts.c.last_post_at,
    )
    if people is None:
        statement = select(*columns).join(counts, counts.c.user_id == User.id)
    else:
        statement = (
            select(*columns)
            .outerjoin(counts, counts.c.user_id == User.id)
            .where(policy.group_people(people))
        )
    rows = [Row(*found) for found in db.session.execute(statement)]
    rows.sort(key=lambda r: (-r.posts, person_sort_key(r.name)))
    return Participation(space, query, groups, group, rows)
