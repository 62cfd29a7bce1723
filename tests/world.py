"""A small world for permission tests: two communities, their committees and expert groups,
and one space of every kind."""

from dataclasses import dataclass

from cop.accounts.models import Role, User
from cop.extensions import db
from cop.orgs.models import CommitteeMembership, Community, CommunityKind, ExpertGroup
from cop.spaces.models import Space, SpaceKind, SpaceMembership, SpaceRole, Visibility


@dataclass
class World:
    users: dict[str, User]
    spaces: dict[str, int]  # ids


ROLES = {
    "member": Role.MEMBER,  # committee of community A, member of the members-only forum
    "outsider": Role.MEMBER,  # committee of community B
    "space_moderator": Role.MEMBER,  # moderates the signed-in and members-only forums
    "expert": Role.EXPERT,  # expert group of A
    "trainee": Role.TRAINEE,  # expert group of A
    "other_expert": Role.EXPERT,  # expert group of B
    "moderator": Role.MODERATOR,
    "admin": Role.ADMIN,
}


def build_world(make_user) -> World:
    users = {name: make_user(role, display_name=name) for name, role in ROLES.items()}
    a = Community(name="Громада А", kind=CommunityKind.VILLAGE, oblast="Тернопільська")
    b = Community(name="Громада Б", kind=CommunityKind.TOWN, oblast="Житомирська")
    a.committee.append(CommitteeMembership(user_id=users["member"].id))
    b.committee.append(CommitteeMembership(user_id=users["outsider"].id))
    group_a = ExpertGroup(name="Група А", communities=[a])
    group_b = ExpertGroup(name="Група Б", communities=[b])
    db.session.add_all([a, b, group_a, group_b])
    db.session.flush()
    for name, group in (("expert", group_a), ("trainee", group_a), ("other_expert", group_b)):
        group.members.append(db.session.get(User, users[name].id))

    def space(kind, visibility, title, **extra):
        return Space(kind=kind, visibility=visibility, title=title, description="", **extra)

    spaces = {
        "forum_public": space(SpaceKind.FORUM, Visibility.PUBLIC, "Відкритий форум"),
        "forum_signed": space(SpaceKind.FORUM, Visibility.SIGNED_IN, "Загальний форум"),
        "forum_members": space(SpaceKind.FORUM, Visibility.MEMBERS, "Форум для своїх"),
        "expert_room": space(
            SpaceKind.EXPERT_ROOM, Visibility.MEMBERS, "Кімната Zorya", expert_group=group_a
        ),
        "desk": space(
            SpaceKind.CONSULTATION_DESK, Visibility.MEMBERS, "Консультації А", community=a
        ),
        "course": space(SpaceKind.COURSE, Visibility.SIGNED_IN, "Курс Дельта"),
        "live": space(SpaceKind.LIVE, Visibility.SIGNED_IN, "Наживо Омега"),
    }
    db.session.add_all(spaces.values())
    db.session.flush()
    db.session.add_all(
        [
            SpaceMembership(space_id=spaces["forum_members"].id, user_id=users["member"].id),
            SpaceMembership(
                space_id=spaces["forum_signed"].id,
                user_id=users["space_moderator"].id,
                role=SpaceRole.MODERATOR,
            ),
            SpaceMembership(
                space_id=spaces["forum_members"].id,
                user_id=users["space_moderator"].id,
                role=SpaceRole.MODERATOR,
            ),
        ]
    )
    db.session.commit()
    return World(users, {name: s.id for name, s in spaces.items()})
