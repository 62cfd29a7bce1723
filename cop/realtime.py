"""Publishing live events: the one way code outside socket handlers reaches sockets.

Everything goes through Flask-SocketIO's `emit`, so with `COP_MESSAGE_QUEUE` set every
server process delivers to its own clients. Callers publish only after their commit
stands, and a failure here is logged, never raised: it must not undo what was saved.
"""

import logging

from flask_babel import force_locale

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


def local_sids(room: str) -> list[str]:
    """The sockets of this process in a room (other processes have their own)."""
    server = socketio.server
    if server is None:
        return []
    return [sid for sid, _eio in server.manager.get_participants(NAMESPACE, room)]


def disconnect_user(user, code: str, message) -> None:
    """Close a person's sockets (on logout, deactivation, removal from a space). They are
    told why first (`message`: a lazy string, said in their language); a reconnect is
    authenticated and checked afresh. Sockets of other processes get the event through
    the queue, which tells the client to close them."""
    with force_locale(user.locale):
        text = str(message)
    publish("error", {"code": code, "message": text}, user_room(user.id))
    for sid in local_sids(user_room(user.id)):
        try:
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        except Exception:
            log.exception("could not disconnect %s", sid)
