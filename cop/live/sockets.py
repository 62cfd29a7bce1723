"""The `/live` Socket.IO namespace (protocol: docs/live-protocol.md).

A connection is authenticated once, at connect, by the Flask-Login session cookie or an
API token (`auth: {token}` or an `Authorization: Bearer` header), and the person is cached
for the connection; every event then asks the policy afresh about the session or
discussion it touches. Handlers parse and call the service, which validates, commits and
publishes; refusals come back as an `error {code, message}` event to the sender only.
"""

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, emit, join_room
from sqlalchemy import inspect

from cop import cooperative, faults, policy, rate_limits, write_turn
from cop.accounts import sessions
from cop.accounts.models import User
from cop.accounts.service import user_for_token
from cop.discussions import queries as discussions
from cop.errors import AppError, Invalid, NotFound, rollback_session
from cop.extensions import db, socketio
from cop.inputs import ID_MAX
from cop.live import broadcast, connected, queries, service, snapshots
from cop.realtime import NAMESPACE, listen_for_control, user_room

ERROR_CODES = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "invalid",
    429: "rate_limited",
}

# Per process: the person behind each socket, and the sessions each socket joined.
_people = connected.people
_joined: dict[str, set[int]] = {}


_COLUMNS = frozenset(inspect(User).column_attrs.keys())


def person_of(sid: str) -> User | None:
    return _people.get(sid)


def _authenticate(auth) -> User | None:
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(token, str) and token:
        return user_for_token(token)
    if current_user.is_authenticated:
        return current_user._get_current_object()
    return None


@socketio.on("connect", namespace=NAMESPACE)
def connect(auth=None):
    try:
        user = _authenticate(auth)
        if user is not None:
            if _COLUMNS & inspect(user).unloaded:  # cached: loaded in full before it leaves
                db.session.refresh(user)
            db.session.expunge(user)
        # The connection goes back to the pool before anything below may wait (the rate
        # limit's storage can): in a connection storm, held ones ran the pool dry.
        db.session.close()
    except Exception as error:
        _refuse_on_fault(error)
        raise
    if user is None:
        # socket.io clients: `connect_error` with err.message and err.data = {code, message}
        message = _("Sign in first.")
        raise ConnectionRefusedError(message, {"code": "unauthenticated", "message": message})
    if not rate_limits.open_socket(user.id):
        message = _("Too many open connections: close another tab or window and try again.")
        raise ConnectionRefusedError(message, {"code": "rate_limited", "message": message})
    _people[request.sid] = user
    _joined[request.sid] = set()
    join_room(user_room(user.id))
    login_id = sessions.row_id(user)
    if login_id is not None:  # opened with a sign-in's cookie, closed when it ends
        join_room(sessions.login_room(login_id))
    listen_for_control()


def _refuse_on_fault(error: Exception) -> None:
    """A fault of the database (cop/faults.py) refuses the connection as `unavailable`;
    anything else is left to raise."""
    kind = faults.kind_of(error)
    if kind is None:
        return
    rollback_session()
    faults.log(kind, error, "socket connect")
    message = faults.message(kind)
    raise ConnectionRefusedError(message, {"code": "unavailable", "message": message}) from None


@socketio.on("disconnect", namespace=NAMESPACE)
def disconnect(*_reason):
    person = _people.pop(request.sid, None)
    if person is not None:
        rate_limits.close_socket(person.id)
    for session_id in _joined.pop(request.sid, set()):
        # Socket.IO empties the socket's rooms only after this handler: presence counts them.
        _leave_rooms(session_id)
        broadcast.presence_changed(session_id)


def _leave_rooms(session_id: int, user_id: int | None = None, sid: str | None = None) -> None:
    """Leave a session's rooms, and their batch twins (`sid`: by default the socket of the
    event being handled)."""
    rooms = [broadcast.public_room(session_id), broadcast.staff_room(session_id)]
    if user_id is not None:
        rooms.append(broadcast.person_room(session_id, user_id))
    # The socket is on this process: Socket.IO's leave_room, called for a socket that is
    # disconnecting, tells every other process through the message queue instead (six
    # messages per departure, for nothing: the others do not hold it).
    manager, sid = socketio.server.manager, sid or request.sid
    for room in rooms:
        manager.basic_leave_room(sid, NAMESPACE, room)
        manager.basic_leave_room(sid, NAMESPACE, broadcast.batch_twin(room))


def joined(sid: str) -> frozenset[int]:
    """The live sessions a socket of this process has joined."""
    return frozenset(_joined.get(sid, ()))


def leave_session(sid: str, session_id: int, user_id: int) -> None:
    """Take a socket of this process out of a session it joined (its person may no longer
    read it: cop/live/revocation.py)."""
    if session_id in _joined.get(sid, set()):
        _joined[sid].discard(session_id)
        _leave_rooms(session_id, user_id, sid)
        broadcast.presence_changed(session_id)


def _error(code: str, message: str) -> None:
    emit("error", {"code": code, "message": message})


def _event(name: str) -> Callable:
    """Register a handler taking (person, data); it answers the sender's acknowledgement
    with what it returns, and turns refusals and faults (cop/faults.py) into an `error`
    event."""

    def decorator(fn: Callable) -> Callable:
        @wraps(fn)
        def handler(data=None):
            cached = _people.get(request.sid)
            if cached is None:
                _error("unauthenticated", _("Sign in first."))
                return {"ok": False}
            # An event is one unit of work: what it wrote stays as written after its
            # commit instead of being read back (the session ends with the event).
            db.session().expire_on_commit = False
            user = db.session.merge(cached, load=False)
            g._login_user = user  # Flask-Login (and the locale) use it without a query
            try:
                if not isinstance(data, dict):
                    raise Invalid(_("Send an object."))
                # Ahead of the posts' writes (SQLite), and never letting others in first.
                with write_turn.first_in_line(), cooperative.urgent():
                    return {"ok": True, **(fn(user, data) or {})}
            except AppError as error:
                db.session.rollback()
                _error(ERROR_CODES.get(error.status, "invalid"), error.summary())
                return {"ok": False}
            except Exception as error:
                kind = faults.kind_of(error)
                if kind is None:
                    raise
                rollback_session()
                faults.log(kind, error, f"socket {name}")
                _error("unavailable", faults.message(kind))
                # Nothing was written: the client may send the same again after this.
                return {"ok": False, "retry_after": faults.RETRY_AFTER}

        socketio.on_event(name, handler, namespace=NAMESPACE)
        return fn

    return decorator


def _id(data: dict, key: str, optional: bool = False) -> int | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(fields={key: _("A number is required.")})
    if not 1 <= value <= ID_MAX:
        raise NotFound()  # as for any id that matches nothing
    return value


def _str(data: dict, key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise Invalid(fields={key: _("Text is required.")})
    return value


def state(user, session, at: snapshots.Version, moderates: bool, present: bool = False) -> dict:
    """The snapshot a client gets on join (and on every rejoin after a reconnect), with
    the change number it was read at: read first, so the questions read after it hold
    every change up to it (the client keeps the changes it receives with a higher one).
    The question lists are shared by everyone who sees the same thing (cop/live/snapshots).
    `moderates`: whether the view is the staff's (never the projected one); `present`: for
    the projected view, as the room sees it (no anonymous asker named); `at`: the version
    read before the session."""
    built = snapshots.lists(current_app._get_current_object(), session, at.lists)
    return {
        "seq": at.lists[0],
        "session": broadcast.session_out(session),
        "questions": snapshots.questions_for(built, None if present else user.id, moderates),
        "my_votes": queries.my_votes(user, session),
        "presence": broadcast.presence_count(session.id),
        "me": {
            "id": user.id,
            "name": user.display_name,
            "moderates": moderates,
            "hosts": policy.can(user, "host", session),
            "may_ask": policy.can(user, "ask", session),
        },
    }


def _enter(room: str) -> bool:
    """Join a room; False if the client left while its event was being handled."""
    try:
        join_room(room)
    except (ValueError, KeyError):  # "sid is not connected", or its rooms are gone
        return False
    return True


@_event("join")
def join(user, data):
    session_id = _id(data, "session_id")
    at = snapshots.version(session_id)  # first: what is read after it is at least as new
    session = snapshots.session(current_app._get_current_object(), user, session_id, at)
    batched = data.get("batch", False)
    if not isinstance(batched, bool):
        raise Invalid(fields={"batch": _("Yes or no.")})
    view = data.get("view", "full")
    if view not in ("full", "present"):
        raise Invalid(fields={"view": _("Either full or present.")})
    # The presenter view is projected to the room: it gets what participants get, even on
    # a host's screen, and not the person's own copies of their anonymous questions.
    present = view == "present"
    moderates = policy.can(user, policy.MODERATE, session) and not present
    room = broadcast.staff_room(session.id) if moderates else broadcast.public_room(session.id)
    rooms = [room] if present else [room, broadcast.person_room(session.id, user.id)]
    if batched:
        rooms = [broadcast.batch_twin(r) for r in rooms]
    if session.id in _joined.get(request.sid, ()):  # joined again: maybe the other way
        _leave_rooms(session.id, user.id)
    if not all(_enter(r) for r in rooms):
        return {"ok": False}
    _joined.setdefault(request.sid, set()).add(session.id)
    # To this socket, which is on this process: not through the message queue.
    snapshot = state(user, session, at, moderates, present)
    socketio.server.emit("state", snapshot, to=request.sid, namespace=NAMESPACE, ignore_queue=True)
    broadcast.presence_changed(session.id)


@_event("leave")
def leave(user, data):
    session_id = _id(data, "session_id")
    if session_id in _joined.get(request.sid, set()):
        _joined[request.sid].discard(session_id)
        _leave_rooms(session_id, user.id)
        broadcast.presence_changed(session_id)


@_event("ask")
def ask(user, data):
    session = queries.get_session(user, _id(data, "session_id"))
    anonymous = data.get("anonymous", False)
    if not isinstance(anonymous, bool):
        raise Invalid(fields={"anonymous": _("Yes or no.")})
    key = data.get("key")
    if key is not None and not isinstance(key, str):
        raise Invalid(fields={"key": _("Text is required.")})
    question = service.ask(user, session, _str(data, "text"), anonymous, key)
    return {"question_id": question.id}


def _vote(user, data, up: bool) -> dict:
    question = queries.get_question(user, _id(data, "question_id"))
    changed = service.vote(user, question, up)
    return {"question_id": question.id, "voted": up, "changed": changed}


@_event("vote")
def vote(user, data):
    return _vote(user, data, True)


@_event("unvote")
def unvote(user, data):
    return _vote(user, data, False)


@_event("moderate")
def moderate(user, data):
    question = queries.get_question(user, _id(data, "question_id"))
    service.moderate(user, question, _str(data, "action"))


@_event("answer")
def answer(user, data):
    question = queries.get_question(user, _id(data, "question_id"))
    service.answer(user, question, _str(data, "text"))


@_event("highlight")
def highlight(user, data):
    question_id = _id(data, "question_id", optional=True)
    if question_id is None:  # take the highlight off
        session = queries.get_session(user, _id(data, "session_id"))
        service.highlight(user, session, None)
        return
    question = queries.get_question(user, question_id)
    service.highlight(user, queries.get_session(user, question.session_id), question)


@_event("start")
def start(user, data):
    service.start_session(user, queries.get_session(user, _id(data, "session_id")))


@_event("end")
def end(user, data):
    session = service.end_session(user, queries.get_session(user, _id(data, "session_id")))
    return {"archive_id": session.archive_id}


@_event("watch")
def watch(user, data):
    """Open discussion pages hear about new replies (cop/live/replies.py)."""
    discussion = discussions.get_discussion(user, _id(data, "discussion_id"))
    if not _enter(broadcast.discussion_room(discussion.id)):
        return {"ok": False}
