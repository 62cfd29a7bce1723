from flask_babel import force_locale

from cop.accounts.models import Role
from cop.discussions.models import ForumType, GroupMode, SubscriptionMode
from cop.labels import LABELS, label
from cop.orgs.models import CommunityKind
from cop.spaces.models import SpaceKind, SpaceRole, Visibility


def test_every_enum_value_has_its_own_label(ctx):
    for enum in (
        Role,
        CommunityKind,
        SpaceKind,
        Visibility,
        SpaceRole,
        ForumType,
        GroupMode,
        SubscriptionMode,
    ):
        assert set(LABELS[enum]) == set(enum)
    with force_locale("en"):
        assert label(Role.MODERATOR) == "Moderator"
        assert label(SpaceRole.MODERATOR) == "Space moderator"
        assert label(Role.MEMBER) == "Committee member"
        assert label(SpaceRole.MEMBER) == "Member"
