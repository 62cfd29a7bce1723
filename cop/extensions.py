"""Flask extensions, created unbound and initialised once in create_app."""

import json
from contextvars import ContextVar

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf import CSRFProtect

from cop.db import Base


class RawJSON:
    """JSON text encoded already, sent as it is: a payload many sockets get is encoded once
    (cop/live/snapshots.py). Only as a value of an event's top-level object; Socket.IO
    also sees no binary attachments in it without walking it."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def _decoded(value):
    """Elsewhere (a message to other processes, say) RawJSON is decoded and encoded again."""
    if type(value) is RawJSON:
        return json.loads(value.text)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class _Utf8Json:
    """Socket.IO packets in UTF-8 JSON: a Ukrainian letter takes 2 bytes instead of the 6
    of an ASCII escape (backslash, u, four hex digits), and each packet is written once to
    every client in a room."""

    @staticmethod
    def dumps(obj, **options) -> str:
        if (
            isinstance(obj, list)
            and len(obj) == 2
            and isinstance(obj[1], dict)
            and any(type(v) is RawJSON for v in obj[1].values())
        ):  # [event, {key: value or RawJSON}]
            comma, colon = options.get("separators", (", ", ": "))
            items = comma.join(
                _Utf8Json.dumps(key, **options)
                + colon
                + (value.text if type(value) is RawJSON else _Utf8Json.dumps(value, **options))
                for key, value in obj[1].items()
            )
            return f"[{_Utf8Json.dumps(obj[0], **options)}{comma}{{{items}}}]"
        return json.dumps(obj, ensure_ascii=False, default=_decoded, **options)

    loads = staticmethod(json.loads)


# Set (by cop/search/replica.py) around what a search reads, in this greenlet or thread only.
READ_REPLICA = ContextVar("cop_read_replica", default=False)
REPLICA = "replica"  # the bind key of COP_DATABASE_REPLICA_URL's engine


class RoutingSession(Session):
    """`db.session`, sending its reads to the read replica while READ_REPLICA is set and a
    replica is configured: SQLAlchemy's documented way to split reads from writes in one
    session (a custom `get_bind`). Flushes and INSERT/UPDATE/DELETE statements always go to
    the primary, as does every session made on `db.engine` itself (the indexers')."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if (
            bind is None
            and READ_REPLICA.get()
            and not self._flushing
            and not getattr(clause, "is_dml", False)
        ):
            replica = self._db.engines.get(REPLICA)
            if replica is not None:
                return replica
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate()
login = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Its async mode and message queue are set in cop/serving.py from COP_ASYNC_MODE and
# COP_MESSAGE_QUEUE, never guessed from whatever server library happens to be installed.
socketio = SocketIO(json=_Utf8Json)
