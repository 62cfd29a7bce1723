"""The consultation life cycle: every allowed move, what makes it happen and who may make
it, in one table. The service asks `check()` before every status change, whether it
comes from a button, the API, an assignment or a reply.

    new ──assign──▶ assigned ──expert replies──▶ answered ◀──▶ awaiting_committee
     │                                              │                 │
     └──────────────expert replies──────────────────┘                 │
                                   answered / awaiting_committee ──▶ resolved ──▶ closed
                                   resolved / closed ──reopen──▶ assigned (or new)

- new → assigned: someone is assigned. An expert or trainee of the desk asking for it
  assigns themselves; staff assign whom they choose (see `service.assign`). Removing
  the last assignee moves an assigned consultation back to new.
- new / assigned → answered: the first public reply by an expert or trainee of the desk
  (which also records the first-response time). It cannot be asked for.
- answered → awaiting_committee: the experts (or staff) ask the committee for something.
- awaiting_committee → answered: a reply by the committee, or by request of the
  committee, the experts or staff (e.g. "we have nothing to add").
- answered / awaiting_committee → resolved: the committee only, with its rating (1–5).
- resolved → closed: the committee, the experts or staff.
- resolved / closed → assigned (someone is assigned) or new (nobody is): reopening, by
  any of them; the resolution and closing times are cleared, the timeline keeps them.

A move that is not in the table is a Conflict (409) naming both states; a move in the
table by someone whose party may not make it is Forbidden (403).
"""

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cop.consultations.models import Status
from cop.errors import Conflict, Forbidden
from cop.labels import label
from cop.policy import Party


class Trigger(StrEnum):
    REQUEST = "request"  # a button or POST .../transitions
    ASSIGNMENT = "assignment"  # the assignees changed
    REPLY = "reply"  # a public reply was posted


S = Status
COMMITTEE, TEAM, STAFF = Party.COMMITTEE, Party.TEAM, Party.STAFF
EVERYONE = frozenset({COMMITTEE, TEAM, STAFF})
REOPEN = EVERYONE
OPEN = (S.NEW, S.ASSIGNED, S.ANSWERED, S.AWAITING_COMMITTEE)

# (from, to) -> {trigger: the parties whose action may make the move that way}
TRANSITIONS: dict[tuple[Status, Status], dict[Trigger, frozenset[Party]]] = {
    (S.NEW, S.ASSIGNED): {
        Trigger.REQUEST: frozenset({TEAM}),
        Trigger.ASSIGNMENT: frozenset({TEAM, STAFF}),
    },
    (S.ASSIGNED, S.NEW): {Trigger.ASSIGNMENT: frozenset({TEAM, STAFF})},
    (S.NEW, S.ANSWERED): {Trigger.REPLY: frozenset({TEAM})},
    (S.ASSIGNED, S.ANSWERED): {Trigger.REPLY: frozenset({TEAM})},
    (S.ANSWERED, S.AWAITING_COMMITTEE): {Trigger.REQUEST: frozenset({TEAM, STAFF})},
    (S.AWAITING_COMMITTEE, S.ANSWERED): {
        Trigger.REQUEST: EVERYONE,
        Trigger.REPLY: frozenset({COMMITTEE}),
    },
    (S.ANSWERED, S.RESOLVED): {Trigger.REQUEST: frozenset({COMMITTEE})},
    (S.AWAITING_COMMITTEE, S.RESOLVED): {Trigger.REQUEST: frozenset({COMMITTEE})},
    (S.RESOLVED, S.CLOSED): {Trigger.REQUEST: EVERYONE},
    (S.RESOLVED, S.ASSIGNED): {Trigger.REQUEST: REOPEN},
    (S.RESOLVED, S.NEW): {Trigger.REQUEST: REOPEN},
    (S.CLOSED, S.ASSIGNED): {Trigger.REQUEST: REOPEN},
    (S.CLOSED, S.NEW): {Trigger.REQUEST: REOPEN},
}

# Why a move that happens by itself cannot be asked for.
_AUTOMATIC = {
    Trigger.REPLY: _l("A consultation becomes “%(to)s” when an expert or trainee replies."),
    Trigger.ASSIGNMENT: _l(
        "A consultation goes back to “%(to)s” when its last assignee is removed."
    ),
}

# The buttons' wording, by target state (a move back from resolved or closed reopens).
ACTION_LABELS = {
    S.ASSIGNED: _l("Take it on"),
    S.AWAITING_COMMITTEE: _l("Ask the committee"),
    S.ANSWERED: _l("Back to answered"),
    S.RESOLVED: _l("Resolve"),
    S.CLOSED: _l("Close"),
}


@dataclass(frozen=True)
class Move:
    to: Status
    self_assign: bool = False  # the actor becomes the assignee on the way


def check(
    current: Status,
    to: Status,
    trigger: Trigger,
    parties: frozenset[Party],
    has_assignees: bool,
) -> Move:
    """Whether someone of these parties may make this move now; raises Conflict (not a
    move of the life cycle, or not one that can be asked for, or the assignees do not
    fit) or Forbidden (not theirs to make)."""
    ways = TRANSITIONS.get((current, to))
    names = {"from": label(current), "to": label(to)}
    if ways is None:
        if current == to:
            raise Conflict(_("The consultation is already “%(to)s”.", **names))
        raise Conflict(_("A consultation cannot go from “%(from)s” to “%(to)s”.", **names))
    if trigger not in ways:
        automatic = next(iter(ways))
        raise Conflict(str(_AUTOMATIC[automatic]) % names)
    if not parties & ways[trigger]:
        raise Forbidden(_("You may not move this consultation to “%(to)s”.", **names))
    self_assign = False
    if to == S.ASSIGNED and not has_assignees and trigger == Trigger.REQUEST:
        if TEAM not in parties:
            raise Conflict(_("Nobody is assigned yet: assign an expert or trainee first."))
        self_assign = True
    if to == S.NEW and has_assignees and trigger == Trigger.REQUEST:
        raise Conflict(
            _("Someone is assigned, so a reopened consultation is “%(to)s”.", to=label(S.ASSIGNED))
        )
    return Move(to, self_assign)


def requests(current: Status, parties: frozenset[Party], has_assignees: bool) -> list[Status]:
    """The moves these parties may ask for now: the buttons to show."""
    allowed = []
    for (source, target), ways in TRANSITIONS.items():
        if source != current or not parties & ways.get(Trigger.REQUEST, frozenset()):
            continue
        try:
            check(current, target, Trigger.REQUEST, parties, has_assignees)
        except (Conflict, Forbidden):
            continue
        allowed.append(target)
    return allowed


def action_label(current: Status, to: Status) -> str:
    if current in (S.RESOLVED, S.CLOSED) and to in (S.NEW, S.ASSIGNED):
        return _("Reopen")
    return str(ACTION_LABELS[to])
