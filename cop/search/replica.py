"""Searches on a read replica (COP_DATABASE_REPLICA_URL, a PostgreSQL hot standby): the
one place that decides whether a search reads from it, and what happens when it fails.

A search goes to the replica when one is configured, it answered its last check (at most
CHECK_EVERY seconds ago) with a lag within COP_DATABASE_REPLICA_MAX_LAG, and the
searcher has not written anything searchable in the last COP_DATABASE_REPLICA_OWN_WRITES
seconds; inside it, every read of `db.session` goes to the replica (cop/extensions.py's
RoutingSession): the permission facts, the Whoosh backend's stars and the PostgreSQL
backend's whole query. Indexing stays on the primary (it uses sessions of its own).

Read-your-writes by time rather than by WAL position: the position a write must wait for
is its commit record's, known only after the commit (another round trip per write), while
the time of the last write is noted inside the write's own transaction, by the primary's
clock, on a table every machine reads; with a lag bound below the window, a replica that
is used has replayed every write older than the window. A replica that fails a search
(down, refusing, a query cancelled by recovery) is left alone for
COP_DATABASE_REPLICA_RETRY seconds, with one log line each time, and that search runs
again on the primary."""

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from typing import TypeVar

from flask import current_app, has_request_context
from flask_login import current_user
from sqlalchemy import event, exists, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from cop.access_counter import ACCESS_NEUTRAL_TABLES
from cop.extensions import READ_REPLICA, REPLICA, db
from cop.search import outbox
from cop.search.pg.table import recent_writes

log = logging.getLogger(__name__)
T = TypeVar("T")

CHECK_EVERY = 1.0  # seconds between two lag checks of a process
WROTE = "cop_search_wrote"
# The replica's lag: none when it has replayed all it received (an idle primary sends no
# commits, so the last one replayed ages without any lag); else the age of the last
# commit it replayed; none when the URL names a primary.
LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
)


def check_config(config) -> None:
    """Refuse, at start, a replica that cannot work with the configured database."""
    url = config.get("COP_DATABASE_REPLICA_URL")
    if url and not (
        url.startswith("postgresql") and config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    ):
        raise RuntimeError(
            "COP_DATABASE_REPLICA_URL is a read replica of a PostgreSQL database: both it "
            "and COP_DATABASE_URL must be postgresql:// URLs. SQLite has no replicas; unset "
            "COP_DATABASE_REPLICA_URL."
        )


@dataclass
class _State:
    lock: threading.Lock
    checked: float = -math.inf  # monotonic time of the last check
    usable: bool | None = None  # not checked yet
    down_until: float = -math.inf


def _state() -> _State:
    app = current_app._get_current_object()
    return app.extensions.setdefault("cop_search_replica", _State(threading.Lock()))


def _fail(state: _State, error: Exception) -> None:
    retry = current_app.config["COP_DATABASE_REPLICA_RETRY"]
    with state.lock:
        state.usable = False
        state.down_until = time.monotonic() + retry
    log.warning(
        "search replica failed, searching on the primary for %s s: %s",
        retry,
        str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
    )


def _replica_usable() -> bool:
    """Up, and within the lag bound at its last check (checked again when that is older
    than CHECK_EVERY)."""
    state = _state()
    now = time.monotonic()
    with state.lock:
        if now < state.down_until:
            return False
        if now - state.checked < CHECK_EVERY:
            return bool(state.usable)
        state.checked = now  # one check at a time; the others use the last answer
    try:
        with db.engines[REPLICA].connect() as conn:
            lag = conn.scalar(LAG_SQL)
    except (OperationalError, InterfaceError) as error:
        _fail(state, error)
        return False
    bound = current_app.config["COP_DATABASE_REPLICA_MAX_LAG"]
    usable = lag is not None and lag <= bound
    with state.lock:
        if usable != state.usable and (state.usable is not None or not usable):
            log.warning(
                "search replica %s (lag %s s, bound %s s)",
                "in use again" if usable else "lags: searching on the primary",
                "unknown" if lag is None else round(float(lag), 1),
                bound,
            )
        state.usable = usable
    return usable


def _wrote_recently(user) -> bool:
    """Whether the person wrote something searchable within the window (on the primary)."""
    if not getattr(user, "is_authenticated", False):
        return False
    window = current_app.config["COP_DATABASE_REPLICA_OWN_WRITES"]
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    recent_writes.c.user_id == user.id,
                    recent_writes.c.at
                    > func.statement_timestamp() - func.make_interval(0, 0, 0, 0, 0, 0, window),
                )
            )
        )
    )


def chosen(user) -> bool:
    """Whether this person's search now goes to the replica."""
    if not current_app.config.get("COP_DATABASE_REPLICA_URL"):
        return False
    return _replica_usable() and not _wrote_recently(user)


def searched(on_replica: bool, run: Callable[[], T]) -> T:
    """run(), its reads on the replica when `on_replica`; again on the primary if the
    replica fails it."""
    if not on_replica:
        return run()
    token = READ_REPLICA.set(True)
    try:
        return run()
    except (OperationalError, InterfaceError) as error:
        failed = error
    finally:
        READ_REPLICA.reset(token)
    db.session.rollback()  # the replica's connection is broken: the session starts anew
    _fail(_state(), failed)
    return run()


# --- the writes a person's next searches must see ------------------------------------


def install() -> None:
    """Listeners on every session: note a flush that changed index documents or what
    someone may read, and, with a replica, the writer's time in the same transaction."""
    if not event.contains(Session, "after_flush", _note_flush):
        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "before_commit", _record, insert=True)
        event.listen(Session, "after_transaction_end", _forget)


def _note_flush(session: Session, _context) -> None:
    if session.info.pop(outbox.CHANGED, False) or any(
        obj.__table__.name not in ACCESS_NEUTRAL_TABLES
        for obj in chain(session.new, session.deleted, session.dirty)
    ):
        session.info[WROTE] = True


def _writer_id() -> int | None:
    if not has_request_context() or not current_app.config.get("COP_DATABASE_REPLICA_URL"):
        return None
    return current_user.id if current_user.is_authenticated else None


def _record(session: Session) -> None:
    if session.new or session.deleted or session.dirty:
        session.flush()  # the commit would flush them after this hook; do it now
    if not session.info.pop(WROTE, False):
        return
    writer = _writer_id()
    if writer is None:
        return
    statement = insert(recent_writes).values(user_id=writer, at=func.statement_timestamp())
    # Core on the transaction's connection: no ORM events, no counters moved.
    session.connection().execute(
        statement.on_conflict_do_update(
            index_elements=[recent_writes.c.user_id], set_={"at": statement.excluded.at}
        )
    )


def forget_person(event) -> None:
    """An erased person's last write time goes with the rest of what cop keeps of them
    (the table exists on PostgreSQL only, where a replica can be)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(recent_writes.delete().where(recent_writes.c.user_id == event.user.id))


def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)
        session.info.pop(outbox.CHANGED, None)
