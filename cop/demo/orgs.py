"""The demo's associations, communities with their committees and expert groups, people and
spaces (people.yaml, spaces.yaml), written as the models directly: no service creates them."""

from werkzeug.security import generate_password_hash

from cop.accounts.models import Role, User
from cop.demo import data
from cop.extensions import db
from cop.orgs.models import Association, CommitteeMembership, Community, CommunityKind, ExpertGroup
from cop.spaces.models import Space, SpaceKind, SpaceMembership, SpaceRole, Visibility

DEMO_PASSWORD = "demo"


def load_orgs() -> tuple[dict[str, User], dict[str, Space]]:
    """Everything in people.yaml and spaces.yaml; the people by their short names and the
    spaces by their titles. Commits."""
    content = data.read("people.yaml")
    associations = {
        key: Association(name=item["name"], short_name=item["short_name"])
        for key, item in content["associations"].items()
    }
    communities = {
        key: Community(name=item["name"], kind=CommunityKind(item["kind"]), oblast=item["oblast"])
        for key, item in content["communities"].items()
    }
    groups = {
        key: ExpertGroup(name=item["expert_group"], communities=[communities[key]])
        for key, item in content["communities"].items()
    }
    password_hash = generate_password_hash(DEMO_PASSWORD)
    people = {}
    for key, item in content["people"].items():
        person = User(
            email=item["email"],
            display_name=item["name"],
            role=Role(item["role"]),
            password_hash=password_hash,
            association=associations.get(item.get("association")),
        )
        people[key] = person
        if "committee" in item:
            communities[item["committee"]].committee.append(
                CommitteeMembership(user=person, position=item.get("position"))
            )
        if "expert_group" in item:
            groups[item["expert_group"]].members.append(person)
    db.session.add_all(
        [*associations.values(), *communities.values(), *groups.values(), *people.values()]
    )
    spaces, moderators = {}, []
    for item in data.read("spaces.yaml")["spaces"]:
        space = Space(
            kind=SpaceKind(item["kind"]),
            visibility=Visibility(item["visibility"]),
            title=item["title"],
            description=item["description"],
            expert_group=groups.get(item.get("expert_group")),
            community=communities.get(item.get("community")),
        )
        spaces[space.title] = space
        moderators += [
            SpaceMembership(space=space, user=people[name], role=SpaceRole.MODERATOR)
            for name in item.get("moderators", ())
        ]
    db.session.add_all([*spaces.values(), *moderators])
    db.session.commit()
    return people, spaces
