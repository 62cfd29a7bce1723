"""Publishing live events: the one way code outside socket handlers reaches sockets.

Everything goes through Flask-SocketIO's `emit`, so with `COP_MESSAGE_QUEUE` set every
server process delivers to its own clients. What a write causes is published with
`publish_after_commit`, so it goes out only once the write stands; a failure here is
logged, never raised: it must not undo what was saved.
"""

import logging

from flask_babel import force_locale
from sqlalchemy import event

from cop.extensions import db, socketio

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


# Messages of the open transaction, and those whose transaction has committed.
_PENDING = "cop_realtime_pending"
_COMMITTED = "cop_realtime_committed"


def publish_after_commit(event_name: str, data: dict, to: str | list[str]) -> None:
    """Publish when the session's transaction commits, never if it rolls back. The payload
    is built now, from the objects in hand, so nothing is re-loaded after the commit; it
    goes out once the session has given its database connection back (sending may wait on
    the network, and a connection held meanwhile is one the next event cannot have)."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # the message belongs to this transaction, as a write would
    session.info.setdefault(_PENDING, []).append((event_name, data, to))


@event.listens_for(db.session, "after_commit")
def _committed(session) -> None:
    if session.in_nested_transaction():  # a savepoint: the outer transaction decides
        return
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_COMMITTED, []).extend(pending)


@event.listens_for(db.session, "after_transaction_end")
def _send_committed(session, transaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_PENDING, None)  # rolled back or closed without a commit
    for message in session.info.pop(_COMMITTED, ()):
        publish(*message)


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
