"""Who of this process's sockets in a live session's room may have its events now.

Every event of a session (a question asked, approved, hidden or answered, votes, the
session's state, presence, batches of them) is checked at the moment it is sent, socket
by socket, on the process holding the socket: the public room's and a person's own room's
sockets only while their person may view the session, the staff room's only while they
moderate it. Whoever lost it through a change no event announced hears nothing, even
while their socket is still in the room.

The decisions are kept per process under the access counter (cop/access_counter.py):
a write that may change who reads what moves it, and the next send decides afresh. They
are kept per person and what the room asks of them (to view the session, or to moderate
it): a person's own room and the public room ask the same. The counter is read once per
round of sends (`Round`: one event's rooms, or one round of batches), so a round to a
thousand sockets in several rooms costs one small query while nothing changed; and while
neither the counter nor a room's sockets change, the room's answer is the one before
(working it out again for every event was a fifth of a busy webinar's fan-out,
docs/benchmarks.md, "Session 16").
"""

import threading
from dataclasses import dataclass, field

from flask import current_app

from cop import policy
from cop.access_counter import generation
from cop.extensions import db
from cop.live.connected import people
from cop.live.models import LiveSession

PUBLIC, STAFF, PERSON = "public", "staff", "user"
KEPT_MAX = 100_000  # decisions kept per process (each a few dozen bytes)
KEPT_ROOMS = 10_000  # rooms whose last answer is kept (a list of its sockets each)


def _room_of(room: str) -> tuple[int, str, int | None] | None:
    """(session id, kind, person's id) of a session's room or its batch twin."""
    parts = room.split(":")
    if len(parts) < 3 or parts[0] != "live" or not parts[1].isdigit():
        return None
    if parts[2] in (PUBLIC, STAFF):
        return int(parts[1]), parts[2], None
    if parts[2] == PERSON and len(parts) > 3 and parts[3].isdigit():
        return int(parts[1]), PERSON, int(parts[3])
    return None


class Round:
    """One round of sends: the access counter, read when a send first needs it."""

    _UNREAD = object()

    def __init__(self) -> None:
        self._counter = self._UNREAD

    def counter(self) -> int | None:
        if self._counter is self._UNREAD:
            self._counter = generation()
        return self._counter


@dataclass
class _Decisions:
    generation: int | None = None
    # (session id, policy action, person's id) -> may they
    allowed: dict[tuple[int, str, int], bool] = field(default_factory=dict)
    # room -> (its sockets, those refused) as last answered under this generation
    answers: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _decisions() -> _Decisions:
    return current_app.extensions.setdefault("cop_live_audience", _Decisions())


def refused(room: str, sids: list[str], round_: Round | None = None) -> list[str]:
    """Those of `sids` (this process's sockets in `room`) whose person may not have the
    room's events now (`round_`: the round of sends this one belongs to)."""
    which = _room_of(room)
    if which is None:
        return []
    session_id, kind, owner = which
    counter = (round_ or Round()).counter()
    kept = _decisions()
    with kept.lock:
        if counter is None or counter != kept.generation or len(kept.allowed) > KEPT_MAX:
            kept.generation, kept.allowed, kept.answers = counter, {}, {}
            policy.forget()  # facts cached before the counter moved may be stale
        # The same sockets under the same counter: the same answer (each socket's person is
        # its own for its life). In a busy webinar every event asks it of the same room.
        answered = kept.answers.get(room)
        if answered is not None and answered[0] == sids:
            return answered[1]
        known = kept.allowed
    action = policy.MODERATE if kind == STAFF else policy.VIEW
    users = {p.id: p for sid in sids if (p := people.get(sid)) is not None}
    with kept.lock:
        allowed = {u: known.get((session_id, action, u)) for u in users}
    missing = [users[u] for u, decided in allowed.items() if decided is None]
    if missing:
        decided = _decide(session_id, action, missing)
        allowed.update(decided)
        with kept.lock:
            if kept.generation == counter:
                kept.allowed.update({(session_id, action, u): v for u, v in decided.items()})
    answer = [
        sid
        for sid in sids
        if (person := people.get(sid)) is None
        or (owner is not None and person.id != owner)
        or not allowed[person.id]
    ]
    with kept.lock:
        if kept.generation == counter and counter is not None and len(kept.answers) < KEPT_ROOMS:
            kept.answers[room] = (sids, answer)
    return answer


def _decide(session_id: int, action: str, users: list) -> dict[int, bool]:
    session = db.session.get(LiveSession, session_id)
    users = [db.session.merge(u, load=False) for u in users]
    policy.preload_facts(users)
    return {
        u.id: session is not None and u.active and policy.can(u, action, session) for u in users
    }
