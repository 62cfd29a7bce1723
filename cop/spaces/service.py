"""Spaces and their memberships: created and changed by staff only."""

from flask_babel import gettext as _

from cop import events, inputs, policy
from cop.accounts.models import User
from cop.errors import Forbidden, Invalid, NotFound
from cop.extensions import db
from cop.orgs.events import MembershipRemoved
from cop.orgs.models import Community, ExpertGroup, ThematicPlatform
from cop.spaces.events import SpaceAccessChanged
from cop.spaces.models import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    Space,
    SpaceKind,
    SpaceMembership,
    SpaceRole,
    Visibility,
)


def _enum(enum, value, field: str):
    try:
        return enum(value)
    except ValueError:
        values = ", ".join(m.value for m in enum)
        raise Invalid(fields={field: _("Must be one of: %(values)s.", values=values)}) from None


def _ref(model, id_: int | None, field: str, message: str):
    if id_ is None:
        return None
    obj = db.session.get(model, id_)
    if obj is None:
        raise Invalid(fields={field: message})
    return obj


def _apply(space: Space, data: dict) -> None:
    if "title" in data or space.id is None:
        space.title = inputs.check_line(data.get("title"), "title", TITLE_MAX)
    if "description" in data:
        space.description = inputs.check_note(
            data.get("description"), "description", DESCRIPTION_MAX
        )
    if "visibility" in data:
        space.visibility = _enum(Visibility, data["visibility"], "visibility")
    if "platform_id" in data:
        platform = _ref(
            ThematicPlatform,
            data["platform_id"],
            "platform_id",
            _("There is no such thematic platform."),
        )
        space.platform_id = platform.id if platform else None
    if "expert_group_id" in data:
        group = _ref(
            ExpertGroup,
            data["expert_group_id"],
            "expert_group_id",
            _("There is no such expert group."),
        )
        space.expert_group_id = group.id if group else None
    if "community_id" in data:
        community = _ref(
            Community, data["community_id"], "community_id", _("There is no such community.")
        )
        space.community_id = community.id if community else None


def _check_kind_rules(space: Space) -> None:
    """Expert rooms and consultation desks are closed by nature and need their owner."""
    if space.kind == SpaceKind.EXPERT_ROOM:
        if space.expert_group_id is None:
            raise Invalid(fields={"expert_group_id": _("An expert room needs an expert group.")})
        space.visibility = Visibility.MEMBERS
    if space.kind == SpaceKind.CONSULTATION_DESK:
        if space.community_id is None:
            raise Invalid(fields={"community_id": _("A consultation desk needs a community.")})
        space.visibility = Visibility.MEMBERS


def create_space(actor, data: dict) -> Space:
    """Staff create spaces of any kind. Commits."""
    if not policy.can(actor, policy.MODERATE, policy.SITE):
        raise Forbidden()
    space = Space(
        kind=_enum(SpaceKind, data.get("kind"), "kind"),
        visibility=_enum(Visibility, data.get("visibility") or "signed_in", "visibility"),
        description="",
    )
    _apply(space, data)
    _check_kind_rules(space)
    db.session.add(space)
    db.session.commit()
    return space


def _access(space: Space) -> tuple:
    """What the read rule looks at in a space (cop.policy), besides memberships."""
    return (space.visibility, space.expert_group_id, space.community_id)


def update_space(actor, space: Space, data: dict) -> Space:
    """Those who may manage the space change its title, description, visibility and links;
    its kind is fixed. Commits; publishes `space.access_changed` when who may read it can
    have changed."""
    policy.require(actor, policy.MANAGE, space)
    before = _access(space)
    _apply(space, data)
    _check_kind_rules(space)
    if _access(space) != before:
        events.publish(SpaceAccessChanged(actor, space))
    db.session.commit()
    return space


def set_membership(actor, space: Space, user_id: int, role: str = SpaceRole.MEMBER):
    """Add someone to a space or change their role in it. Expert rooms take experts and
    trainees only. Commits; publishes `membership.removed` when a moderator of the space
    becomes a plain member."""
    policy.require(actor, policy.MANAGE, space)
    user = db.session.get(User, user_id)
    if user is None:
        raise Invalid(fields={"user_id": _("There is no such person.")})
    if space.kind == SpaceKind.EXPERT_ROOM and user.role not in policy.EXPERTS + policy.STAFF:
        raise Invalid(fields={"user_id": _("Only experts and trainees can join an expert room.")})
    role = _enum(SpaceRole, role, "role")
    membership = db.session.get(SpaceMembership, (space.id, user.id))
    if membership is None:
        membership = SpaceMembership(space_id=space.id, user_id=user.id)
        db.session.add(membership)
    elif membership.role == SpaceRole.MODERATOR and role != SpaceRole.MODERATOR:
        events.publish(MembershipRemoved(actor, space, frozenset({user.id})))
    membership.role = role
    db.session.commit()
    policy.forget()
    return membership


def remove_membership(actor, space: Space, user_id: int) -> None:
    """Those who may manage the space take someone out of it. Commits; publishes
    `membership.removed` (their open pages stop hearing from what they no longer read)."""
    policy.require(actor, policy.MANAGE, space)
    membership = db.session.get(SpaceMembership, (space.id, user_id))
    if membership is None:
        raise NotFound()
    db.session.delete(membership)
    events.publish(MembershipRemoved(actor, space, frozenset({user_id})))
    db.session.commit()
    policy.forget()
