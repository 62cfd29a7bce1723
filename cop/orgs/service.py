"""Communities, their committees, associations and expert groups. Staff only."""

from flask_babel import gettext as _
from sqlalchemy import select

from cop import events, inputs, policy
from cop.accounts.models import User
from cop.errors import Conflict, Forbidden, Invalid
from cop.extensions import db
from cop.orgs.events import MembershipRemoved
from cop.orgs.models import (
    TITLE_MAX,
    Association,
    CommitteeMembership,
    Community,
    CommunityKind,
    ExpertGroup,
)


def _require_staff(actor) -> None:
    if not policy.can(actor, policy.MODERATE, policy.SITE):
        raise Forbidden()


def _text(value: str | None, field: str, limit: int = TITLE_MAX) -> str:
    return inputs.check_line(value, field, limit)


def _set_name(obj, data: dict) -> None:
    """Names of communities, associations and expert groups are required and unique."""
    if "name" not in data and obj.id is not None:
        return
    name = _text(data.get("name"), "name")
    model = type(obj)
    existing = db.session.scalar(select(model.id).where(model.name == name))
    if existing is not None and existing != obj.id:
        raise Conflict(fields={"name": _("This name is already taken.")})
    obj.name = name


def _users(ids: list[int], field: str, roles=None) -> list[User]:
    ids = list(dict.fromkeys(ids))
    users = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    if len(users) != len(ids):
        raise Invalid(fields={field: _("Some of these people do not exist.")})
    if roles and any(u.role not in roles for u in users):
        raise Invalid(fields={field: _("Only experts and trainees can be in an expert group.")})
    return users


def _removed(actor, scope, user_ids: set[int]) -> None:
    if user_ids:
        events.publish(MembershipRemoved(actor, scope, frozenset(user_ids)))


def save_community(actor, community: Community | None, data: dict) -> Community:
    """Create (community=None) or update a community and, with `committee_user_ids`,
    replace its committee. Commits once; publishes `membership.removed` for those who
    leave the committee."""
    _require_staff(actor)
    community = community or Community()
    _set_name(community, data)
    if "kind" in data or community.id is None:
        try:
            community.kind = CommunityKind(data.get("kind"))
        except ValueError:
            values = ", ".join(k.value for k in CommunityKind)
            raise Invalid(
                fields={"kind": _("Must be one of: %(values)s.", values=values)}
            ) from None
    if "oblast" in data or community.id is None:
        community.oblast = _text(data.get("oblast"), "oblast", 80)
    if data.get("committee_user_ids") is not None:
        before = {m.user_id for m in community.committee}
        _replace_committee(community, _users(data["committee_user_ids"], "committee_user_ids"))
        _removed(actor, community, before - {m.user_id for m in community.committee})
    db.session.add(community)
    db.session.commit()
    policy.forget()
    return community


def _replace_committee(community: Community, users: list[User]) -> None:
    wanted = {u.id for u in users}
    for membership in list(community.committee):
        if membership.user_id not in wanted:
            community.committee.remove(membership)
    present = {m.user_id for m in community.committee}
    for user in users:
        if user.id not in present:
            community.committee.append(CommitteeMembership(user=user))


def save_association(actor, association: Association | None, data: dict) -> Association:
    """Create (association=None) or update an association. Commits."""
    _require_staff(actor)
    association = association or Association()
    _set_name(association, data)
    if "short_name" in data or association.id is None:
        association.short_name = _text(data.get("short_name"), "short_name", 40)
    db.session.add(association)
    db.session.commit()
    return association


def save_expert_group(actor, group: ExpertGroup | None, data: dict) -> ExpertGroup:
    """Create (group=None) or update an expert group: its name, its experts and trainees,
    the communities it coaches. Commits; publishes `membership.removed` for the members
    taken out, and for every member when it stops coaching a community."""
    _require_staff(actor)
    group = group or ExpertGroup()
    _set_name(group, data)
    members = {u.id for u in group.members}
    losing = set()
    if "member_ids" in data:
        group.members = _users(data["member_ids"], "member_ids", policy.EXPERTS)
        losing = members - {u.id for u in group.members}
    if "community_ids" in data:
        ids = list(dict.fromkeys(data["community_ids"]))
        communities = list(db.session.scalars(select(Community).where(Community.id.in_(ids))))
        if len(communities) != len(ids):
            raise Invalid(fields={"community_ids": _("Some of these communities do not exist.")})
        if {c.id for c in group.communities} - set(ids):
            losing = members
        group.communities = communities
    _removed(actor, group, losing)
    db.session.add(group)
    db.session.commit()
    policy.forget()
    return group
