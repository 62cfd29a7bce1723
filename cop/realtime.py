"""Publishing live events: the one way code outside socket handlers reaches sockets.

Everything goes through Flask-SocketIO's `emit`, so with `COP_MESSAGE_QUEUE` set every
server process delivers to its own clients. What a write causes is published with
`publish_after_commit` (cop.events' after-commit moment), so it goes out only once the
write stands; a failure here is logged, never raised: it must not undo what was saved.
"""

import logging
import threading
from collections.abc import Callable

import gevent
import redis
from flask import Flask, current_app
from flask_babel import force_locale

from cop import events
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
    publish("error", {"code": code, "message": text}, room)
    close_local_sockets(room)
    control = current_app.extensions.get(CONTROL)
    if control is not None:
        control.close_everywhere(room)


def close_local_sockets(room: str) -> None:
    for sid in local_sids(room):
        try:
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        except Exception:
            log.exception("could not disconnect %s", sid)


CONTROL = "cop_realtime_control"


class Control:
    """With several server processes (`COP_MESSAGE_QUEUE=redis://...`): one process tells
    the others to close the sockets in a room, on a Redis channel of its own. Socket.IO's
    queue carries events to clients, and a client could ignore the `error` event that
    asks it to leave; this closes the socket on the server's side."""

    CHANNEL = "cop-realtime-control"

    def __init__(self, app: Flask, url: str):
        self.app, self.redis = app, redis.Redis.from_url(url)
        self.listening = False
        self.lock = threading.Lock()

    def close_everywhere(self, room: str) -> None:
        try:
            self.redis.publish(self.CHANNEL, room)
        except redis.RedisError:
            log.exception("could not ask the other processes to close the sockets in %s", room)

    def listen(self) -> None:
        """Start listening in the background, once per process (called at each connect:
        a process without sockets has nothing to close)."""
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
                    with self.app.app_context():
                        close_local_sockets(message["data"].decode())
            except Exception:
                log.exception("the control channel failed; listening again in a second")
                socketio.sleep(1)


def init_control(app: Flask) -> None:
    url = app.config["COP_MESSAGE_QUEUE"]
    if url and url.startswith(("redis://", "rediss://")):
        app.extensions[CONTROL] = Control(app, url)


def listen_for_control() -> None:
    control = current_app.extensions.get(CONTROL)
    if control is not None:
        control.listen()
