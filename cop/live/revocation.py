"""Revocation is an event, not a check at connect time.

A change that can take reading away (cop.events: `membership.removed`,
`space.access_changed`, `discussion.moved`, `forum.configured`) asks every server process
(`cop.realtime.everywhere`) to check again the sockets it holds in a room: those of the
people concerned, of a discussion's open pages, or all of them. Each socket leaves the
rooms of what its person may no longer read (a discussion's page, a live session, a
session's staff room) and is told so with `error {code: "revoked"}`; it stays open for
the rest. Signing out, a new password, deactivation and a new role close the sockets
instead (cop/accounts).
"""

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from cop import policy
from cop.discussions.models import Discussion
from cop.extensions import db, socketio
from cop.live import broadcast, sockets
from cop.live.connected import local_people
from cop.live.models import LiveSession
from cop.realtime import NAMESPACE, everywhere, local_sids, publish

RECHECK = "recheck"
EVERYONE = "*"  # every socket of the process

REVOKED = _l("You can no longer read this: your access has changed.")


def recheck_everywhere(room: str) -> None:
    """Check again, in every server process, the sockets in `room` (or EVERYONE)."""
    everywhere(RECHECK, room)


def recheck(room: str) -> None:
    """Take this process's sockets in `room` out of the rooms their people may no longer
    read (the `recheck` control message)."""
    people = local_people()
    sids = people if room == EVERYONE else [s for s in local_sids(room) if s in people]
    if not sids:
        return
    policy.forget()  # the change has just committed: facts cached before it are stale
    users = {}
    for sid in sids:
        person = people[sid]
        users.setdefault(person.id, db.session.merge(person, load=False))
    policy.preload_facts(list(users.values()))
    for sid in sids:
        _narrow(sid, users[people[sid].id])


def _narrow(sid: str, user) -> None:
    lost = []
    rooms = socketio.server.manager.get_rooms(sid, NAMESPACE)
    for room in rooms:
        discussion_id = broadcast.discussion_of(room)
        if discussion_id is None:
            continue
        discussion = db.session.get(Discussion, discussion_id)
        if discussion is None or not policy.can(user, policy.VIEW, discussion):
            socketio.server.leave_room(sid, room, namespace=NAMESPACE)
            lost.append({"discussion_id": discussion_id})
    for session_id in sockets.joined(sid):
        if not _still_in(user, session_id, rooms):
            sockets.leave_session(sid, session_id, user.id)
            lost.append({"session_id": session_id})
    if lost:
        with force_locale(user.locale):
            message = str(REVOKED)
        for what in lost:
            publish("error", {"code": "revoked", "message": message, **what}, sid)


def _still_in(user, session_id: int, rooms: list[str]) -> bool:
    """Whether the person may still be where their socket sits in a live session: in it,
    and in its staff room only while they moderate it."""
    session = db.session.get(LiveSession, session_id)
    if session is None or not policy.can(user, policy.VIEW, session):
        return False
    staff = broadcast.staff_room(session_id)
    if staff in rooms or broadcast.batch_twin(staff) in rooms:
        return policy.can(user, policy.MODERATE, session)
    return True
