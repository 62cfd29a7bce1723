"""Publishing live events: the one way code outside socket handlers reaches sockets.

Everything goes through Flask-SocketIO's `emit`, so with `COP_MESSAGE_QUEUE` set every
server process delivers to its own clients. What a write causes is published with
`publish_after_commit` (cop.events' after-commit moment), so it goes out only once the
write stands; a failure here is logged, never raised: it must not undo what was saved.
"""

import json
import logging
import threading
import uuid
from collections.abc import Callable

import gevent
import redis
from flask import Flask, current_app
from flask_babel import force_locale

from cop import events
from cop.config import REDIS_SCHEMES
from cop.extensions import socketio

log = logging.getLogger(__name__)

NAMESPACE = "/live"


def user_room(user_id: int) -> str:
    """Every socket of one person, whatever they have joined."""
    return f"user:{user_id}"


def publish(event: str, data: dict, to: str | list[str]) -> None:
    try:
        socketio.emit(event, data, to=to, namespace=NAMESPACE)
    except Exception:
        log.exception("could not publish %s", event)


def wait_until_idle(limit: float) -> None:
    """Wait until this process has nothing else to do, at most `limit` seconds: under
    gevent, until every greenlet that was ready has run (the sockets' writers have written
    what was queued for them); otherwise (threads) for `limit`."""
    if socketio.server.eio.async_mode == "gevent":
        with gevent.Timeout(limit, False):
            gevent.idle()
    else:
        socketio.sleep(limit)


def publish_after_commit(
    event_name: str, data: dict, to: str | list[str], via: Callable | None = None
) -> None:
    """Publish (with `via`, by default `publish`) when the session's transaction commits,
    never if it rolls back: the after-commit moment of the domain events (cop.events).
    The payload is built now, from the objects in hand, so nothing is re-loaded after the
    commit."""
    events.after_commit(via or publish, event_name, data, to)


def local_sids(room: str) -> list[str]:
    """The sockets of this process in a room (other processes have their own)."""
    server = socketio.server
    if server is None:
        return []
    return [sid for sid, _eio in server.manager.get_participants(NAMESPACE, room)]


def local_count(room: str) -> int:
    """How many sockets of this process are in a room, without listing them."""
    server = socketio.server
    if server is None:
        return 0
    return len(server.manager.rooms.get(NAMESPACE, {}).get(room, ()))


def disconnect_user(user, code: str, message) -> None:
    """Close a person's sockets (on deactivation, removal from a space, a role change), in
    every server process. They are told why first (`message`: a lazy string, said in their
    language); a reconnect is authenticated and checked afresh."""
    disconnect_room(user, user_room(user.id), code, message)


def disconnect_room(user, room: str, code: str, message) -> None:
    """Close the sockets of one of a person's rooms (those of one sign-in, say) in every
    server process, as `disconnect_user` does."""
    with force_locale(user.locale):
        text = str(message)
    # One control message carries both the reason and the close, so each process says why
    # before it closes (an `error` sent through Socket.IO's queue could arrive after).
    everywhere(CLOSE, json.dumps({"room": room, "code": code, "message": text}))


def close_local_sockets(arg: str) -> None:
    """Tell this process's sockets in a room why (`error {code, message}`), then close
    them (the `close` control message)."""
    order = json.loads(arg)
    room = order["room"]
    sids = local_sids(room)
    if not sids:
        return
    reason = {"code": order["code"], "message": order["message"]}
    socketio.server.emit("error", reason, to=room, namespace=NAMESPACE, ignore_queue=True)
    for sid in sids:
        try:
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        except Exception:
            log.exception("could not disconnect %s", sid)


CONTROL = "cop_realtime_control"
_VERBS = "cop_realtime_verbs"
CLOSE = "close"  # close the sockets in a room


def on_control(app: Flask, verb: str, handler: Callable[[str], None]) -> None:
    """Let `everywhere(verb, arg)` call `handler(arg)` in every server process, on that
    process's own sockets (a feature's listeners register theirs)."""
    app.extensions.setdefault(_VERBS, {})[verb] = handler


def _run(app: Flask, verb: str, arg: str) -> None:
    handler = {CLOSE: close_local_sockets, **app.extensions.get(_VERBS, {})}.get(verb)
    if handler is None:
        log.error("no handler for the control message %r", verb)
        return
    try:
        handler(arg)
    except Exception:
        log.exception("the control message %s %s failed", verb, arg)


def everywhere(verb: str, arg: str) -> None:
    """Act on the sockets of every server process: this one's at once, the others' through
    the control channel (with `COP_MESSAGE_QUEUE=redis://...`). What a socket belongs to
    and who is behind it is known only to the process holding it, so each process decides
    for its own (Socket.IO's queue carries events to rooms, not decisions). The others are
    told first: they start on their sockets while this one writes to its own."""
    control = current_app.extensions.get(CONTROL)
    answered = control.tell_others(verb, arg) if control is not None else _nothing
    try:
        _run(current_app._get_current_object(), verb, arg)
    finally:
        answered()


def _nothing() -> None:
    pass


class Control:
    """With several server processes (`COP_MESSAGE_QUEUE=redis://...`): one process tells
    the others to act on their sockets (close those in a room, check again what their
    people may read, deliver an event each socket's person may read), on a Redis channel
    of its own. Socket.IO's queue carries events to clients, and a client could ignore the
    `error` event that asks it to leave; this acts on the server's side."""

    CHANNEL = "cop-realtime-control"

    def __init__(self, app: Flask, url: str):
        self.app, self.redis = app, redis.Redis.from_url(url)
        self.host = uuid.uuid4().hex
        self.listening = False
        self.lock = threading.Lock()

    def tell_others(self, verb: str, arg: str) -> Callable[[], None]:
        """Send the message to the others; returns what takes Redis's answer. Meanwhile
        this process acts on its own sockets: under a busy event loop, the wait for the
        answer is a turn of the loop (up to 79 ms at p99 under the head-of-line bench's
        heavy clients), and the others have the message already."""
        message = json.dumps({"host": self.host, "verb": verb, "arg": arg})
        pool = self.redis.connection_pool
        connection = None
        try:
            # The pool connects again a connection that Redis has closed meanwhile.
            connection = pool.get_connection()
            connection.send_command("PUBLISH", self.CHANNEL, message)
        except redis.RedisError:
            if connection is not None:
                pool.release(connection)
            log.exception("could not tell the other processes: %s %s", verb, arg)
            return _nothing

        def answered() -> None:
            try:
                connection.read_response()
            except redis.RedisError:
                connection.disconnect()
                log.exception("the other processes may not have been told: %s %s", verb, arg)
            finally:
                pool.release(connection)

        return answered

    def listen(self) -> None:
        """Start listening in the background, once per process (called at each connect:
        a process without sockets has nothing to act on)."""
        with self.lock:
            if self.listening:
                return
            self.listening = True
        socketio.start_background_task(self._listen)

    def _listen(self) -> None:
        while True:
            try:
                pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.CHANNEL)
                for message in pubsub.listen():
                    self._handle(json.loads(message["data"]))
            except Exception:
                log.exception("the control channel failed; listening again in a second")
                socketio.sleep(1)

    def _handle(self, message: dict) -> None:
        if message["host"] == self.host:  # done at once where it was asked
            return
        with self.app.app_context():
            _run(self.app, message["verb"], message["arg"])


def init_control(app: Flask) -> None:
    url = app.config["COP_MESSAGE_QUEUE"]
    if url and url.startswith(REDIS_SCHEMES):
        app.extensions[CONTROL] = Control(app, url)


def listen_for_control() -> None:
    control = current_app.extensions.get(CONTROL)
    if control is not None:
        control.listen()
