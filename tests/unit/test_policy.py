"""The policy table: every role × space kind × action, guests included. Each cell is
five letters for view, post, reply, moderate, manage; '-' means denied."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from cop import policy
from cop.extensions import db
from cop.spaces.models import Space
from tests.world import build_world

SPACES = ["forum_public", "forum_signed", "forum_members", "expert_room", "desk", "course", "live"]

TABLE = {
    #                  public   signed   members  room     desk     course   live
    "guest": ["V----", "-----", "-----", "-----", "-----", "-----", "-----"],
    "member": ["VPR--", "VPR--", "VPR--", "-----", "VPR--", "V-R--", "VPR--"],
    "outsider": ["VPR--", "VPR--", "-----", "-----", "-----", "V-R--", "VPR--"],
    "space_moderator": ["VPR--", "VPRM-", "VPRM-", "-----", "-----", "V-R--", "VPR--"],
    "expert": ["VPR--", "VPR--", "-----", "VPRM-", "V-RM-", "VPRM-", "VPR--"],
    "trainee": ["VPR--", "VPR--", "-----", "VPR--", "V-R--", "VPR--", "VPR--"],
    "other_expert": ["VPR--", "VPR--", "-----", "-----", "-----", "VPRM-", "VPR--"],
    "moderator": ["VPRMM", "VPRMM", "VPRMM", "VPRMM", "VPRMM", "VPRMM", "VPRMM"],
    "admin": ["VPRMM", "VPRMM", "VPRMM", "VPRMM", "VPRMM", "VPRMM", "VPRMM"],
}
LETTERS = dict(zip(policy.ACTIONS, "VPRMM", strict=True))


@pytest.fixture
def world(ctx, make_user):
    return build_world(make_user)


def _user(world, name):
    return AnonymousUserMixin() if name == "guest" else world.users[name]


CELLS = [(name, space, action) for name in TABLE for space in SPACES for action in policy.ACTIONS]


@pytest.mark.parametrize("name", list(TABLE))
def test_space_policy_table(world, name):
    user = _user(world, name)
    got = []
    for space_name in SPACES:
        space = db.session.get(Space, world.spaces[space_name])
        got.append(
            "".join(
                LETTERS[action] if policy.can(user, action, space) else "-"
                for action in policy.ACTIONS
            )
        )
    assert dict(zip(SPACES, got, strict=True)) == dict(zip(SPACES, TABLE[name], strict=True))


def test_table_covers_every_kind_and_role():
    from cop.accounts.models import Role
    from cop.spaces.models import SpaceKind
    from tests.world import ROLES

    assert len(CELLS) == len(TABLE) * len(SPACES) * 5
    assert {r for r in ROLES.values()} == set(Role)
    kinds = {"forum", "expert_room", "consultation_desk", "course", "live"}
    assert kinds == {k.value for k in SpaceKind}


@pytest.mark.parametrize("name", list(TABLE))
def test_sql_filter_agrees_with_can(world, name):
    user = _user(world, name)
    listed = set(db.session.scalars(select(Space.id).where(policy.readable_spaces(user))))
    allowed = {
        space.id
        for space in db.session.scalars(select(Space))
        if policy.can(user, policy.VIEW, space)
    }
    assert listed == allowed


SITE_TABLE = {
    # view, moderate (the admin area), manage (the operator's)
    "guest": "V--",
    "member": "V--",
    "expert": "V--",
    "trainee": "V--",
    "moderator": "VM-",
    "admin": "VMM",
}


@pytest.mark.parametrize("name", list(SITE_TABLE))
def test_site_policy(world, name):
    user = _user(world, name)
    got = "".join(
        letter if policy.can(user, action, policy.SITE) else "-"
        for action, letter in (("view", "V"), ("moderate", "M"), ("manage", "M"))
    )
    assert got == SITE_TABLE[name]


def test_people_see_themselves_and_staff_see_everyone(world):
    member, expert = world.users["member"], world.users["expert"]
    moderator, admin = world.users["moderator"], world.users["admin"]
    assert policy.can(member, "view", member)
    assert not policy.can(member, "view", expert)
    assert not policy.can(AnonymousUserMixin(), "view", member)
    assert policy.can(moderator, "view", expert)
    assert policy.can(moderator, "manage", expert)
    assert not policy.can(moderator, "manage", admin)
    assert policy.can(admin, "manage", moderator)
    assert not policy.can(member, "manage", member)


def test_a_role_change_to_member_closes_the_expert_room(world):
    from cop.accounts.models import Role, User

    trainee = db.session.get(User, world.users["trainee"].id)
    room = db.session.get(Space, world.spaces["expert_room"])
    assert policy.can(trainee, "view", room)
    trainee.role = Role.MEMBER
    assert not policy.can(trainee, "view", room)


def test_require_hides_what_cannot_be_seen(world):
    from cop.errors import Forbidden, NotFound

    room = db.session.get(Space, world.spaces["expert_room"])
    forum = db.session.get(Space, world.spaces["forum_signed"])
    with pytest.raises(NotFound):
        policy.require(world.users["outsider"], "view", room)
    with pytest.raises(Forbidden):
        policy.require(world.users["member"], "manage", forum)
    policy.require(world.users["expert"], "moderate", room)


# --- consultation desks: parties and internal notes ------------------------------------

PARTIES = {
    "guest": set(),
    "member": {"committee"},
    "outsider": set(),
    "space_moderator": set(),
    "expert": {"team"},
    "trainee": {"team"},
    "other_expert": set(),
    "moderator": {"staff"},
    "admin": {"staff"},
}


@pytest.mark.parametrize("name", list(PARTIES))
def test_desk_parties_and_who_sees_internal_notes(world, name):
    user = _user(world, name)
    desk = db.session.get(Space, world.spaces["desk"])
    forum = db.session.get(Space, world.spaces["forum_signed"])
    parties = policy.desk_parties(user, desk)
    assert {p.value for p in parties} == PARTIES[name]
    assert policy.sees_internal(user, desk) == bool(parties - {policy.Party.COMMITTEE})
    assert not policy.desk_parties(user, forum)
    assert policy.sees_internal(user, forum) == (name in ("moderator", "admin"))
    listed = set(db.session.scalars(select(Space.id).where(policy.internal_readable_spaces(user))))
    expected = {s.id for s in db.session.scalars(select(Space)) if policy.sees_internal(user, s)}
    assert listed == expected


def test_a_committee_member_made_desk_moderator_still_sees_no_notes(world):
    from cop.spaces.models import SpaceMembership, SpaceRole

    desk = db.session.get(Space, world.spaces["desk"])
    member = world.users["member"]
    db.session.add(SpaceMembership(space_id=desk.id, user_id=member.id, role=SpaceRole.MODERATOR))
    db.session.commit()
    policy.forget()
    assert policy.can(member, "moderate", desk)
    assert not policy.sees_internal(member, desk)


def test_desk_team_is_who_may_be_assigned(world):
    from cop.accounts.models import User

    desk = db.session.get(Space, world.spaces["desk"])
    team = set(db.session.scalars(select(User.id).where(policy.desk_team(desk))))
    assert team == {world.users["expert"].id, world.users["trainee"].id}
    for user in db.session.scalars(select(User)):
        assert policy.assignable(desk, user) == (user.id in team)
