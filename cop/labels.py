"""Translated names of the domain's enumerations, for pages and forms.

Keyed by enum class first: StrEnum members hash like their values, so Role.MODERATOR and
SpaceRole.MODERATOR would otherwise overwrite each other."""

from flask_babel import lazy_gettext as _l

from cop.accounts.models import Role
from cop.orgs.models import CommunityKind
from cop.spaces.models import SpaceKind, SpaceRole, Visibility

LABELS = {
    Role: {
        Role.ADMIN: _l("Administrator"),
        Role.MODERATOR: _l("Moderator"),
        Role.EXPERT: _l("Expert"),
        Role.TRAINEE: _l("Trainee"),
        Role.MEMBER: _l("Committee member"),
    },
    CommunityKind: {
        CommunityKind.VILLAGE: _l("rural"),
        CommunityKind.SETTLEMENT: _l("settlement"),
        CommunityKind.TOWN: _l("urban"),
    },
    SpaceKind: {
        SpaceKind.FORUM: _l("Forum"),
        SpaceKind.EXPERT_ROOM: _l("Expert room"),
        SpaceKind.COURSE: _l("Course"),
        SpaceKind.CONSULTATION_DESK: _l("Consultation desk"),
        SpaceKind.LIVE: _l("Live Q&A"),
    },
    Visibility: {
        Visibility.PUBLIC: _l("Everyone, also without signing in"),
        Visibility.SIGNED_IN: _l("Everyone signed in"),
        Visibility.MEMBERS: _l("Members only"),
    },
    SpaceRole: {
        SpaceRole.MEMBER: _l("Member"),
        SpaceRole.MODERATOR: _l("Space moderator"),
    },
}


def label(value) -> str:
    return str(LABELS.get(type(value), {}).get(value, value))


def choices(enum, order=None) -> list:
    from cop.forms import options

    return options((m.value, label(m)) for m in (order or enum))
