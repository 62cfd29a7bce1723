"""SQLite, the embedded default: WAL for concurrent readers, foreign keys enforced.

`synchronous=NORMAL` is SQLite's advice for WAL: a commit no longer waits for the disk
(fsync happens at checkpoints), and a crash of the app loses nothing; only a power loss
or an operating-system crash may lose the last commits, never corrupt the database.
Under gevent an fsync would stop every connection of the process while it waits.

A write lock held by another process (a backup, `cop` commands, a second server): SQLite's
own busy timeout waits inside the C library, which under gevent stops every request and
socket of the process. So SQLite is told not to wait (`busy_timeout=0`) and a statement
refused with SQLITE_BUSY is retried here, sleeping between tries (a gevent sleep once
gevent has patched `time`), for at most COP_SQLITE_LOCK_WAIT_MS; then the error stands and
the request gets a 503 (cop/faults.py). Readers are not blocked by a writer under WAL.
Measurements: docs/faults.md.

Writers take turns (cop/write_turn.py): a transaction's first write (the driver begins
the transaction there; reads before it see the newest data) waits for its turn, in
arrival order across every process on the file, for at most the same bound, and holds
it until it commits or rolls back. So the write lock is never polled for by many at once,
and a transaction must do no slow work after its first write: every writer waits for it."""

import re
import sqlite3
import time
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Engine

from cop import sqlite_checkpoints
from cop.cooperative import cooperate, gevent_patched
from cop.write_turn import WriteTurn

FIRST_PAUSE = 0.002  # seconds; doubled after every refused try, up to LONGEST_PAUSE
LONGEST_PAUSE = 0.05


# Statements that write (a savepoint too: what follows it in the transaction may write).
_WRITES = re.compile(
    r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|SAVEPOINT)\b", re.IGNORECASE
)


def configure(engine: Engine, lock_wait: float) -> None:
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    on_disk = database and database != ":memory:" and not database.startswith("file:")
    writers = _Writers(WriteTurn(database if on_disk else None), lock_wait)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if on_disk and gevent_patched():  # checkpoints off the event loop
            sqlite_checkpoints.take_over(dbapi_connection, database)

    @event.listens_for(engine, "do_execute")
    def _execute(cursor, statement, parameters, _context):
        writers.run(cursor, statement, lambda: cursor.execute(statement, parameters))
        return True

    @event.listens_for(engine, "do_execute_no_params")
    def _execute_no_params(cursor, statement, _context):
        writers.run(cursor, statement, lambda: cursor.execute(statement))
        return True

    @event.listens_for(engine, "do_executemany")
    def _executemany(cursor, statement, parameters, _context):
        writers.run(cursor, statement, lambda: cursor.executemany(statement, parameters))
        return True

    # The turn is given back once the driver's COMMIT or ROLLBACK is done, or the
    # connection closed (SQLite lets the lock go with it).
    dialect = engine.dialect
    for name in ("do_commit", "do_rollback", "do_close"):
        setattr(dialect, name, writers.ending(getattr(dialect, name)))


class _Writers:
    """Which connections of an engine hold the write turn."""

    def __init__(self, turn: WriteTurn, lock_wait: float) -> None:
        self.turn, self.lock_wait = turn, lock_wait
        self.holder = None  # the DBAPI connection writing now, if it is this process's

    def run(self, cursor, statement: str, call: Callable):
        connection = cursor.connection
        wait = self.lock_wait
        if connection is self.holder:
            pass  # its transaction writes already: no other writer goes meanwhile
        elif not _WRITES.match(statement):
            cooperate()  # a read blocks the event loop: let it in first if its turn is long
        else:
            started = time.monotonic()
            if not self.turn.take(wait):
                raise busy(f"no turn to write within {wait:g} s")
            self.holder = connection
            wait = max(wait - (time.monotonic() - started), 0.0)
        try:
            return patiently(call, wait)  # another program may hold SQLite's lock still
        finally:
            if connection is self.holder and not connection.in_transaction:
                self._give(connection)  # a statement on its own, done (or refused)

    def _give(self, connection) -> None:
        if connection is self.holder:
            self.holder = None
            self.turn.give()

    def ending(self, original: Callable) -> Callable:
        def end(dbapi_connection, *args, **kwargs):
            try:
                return original(dbapi_connection, *args, **kwargs)
            finally:  # SQLAlchemy passes the pool's wrapper of the driver's connection
                self._give(getattr(dbapi_connection, "dbapi_connection", dbapi_connection))

        return end


def busy(why: str) -> sqlite3.OperationalError:
    """The error SQLite gives a refused writer, for cop/faults.py: a 503 "busy"."""
    error = sqlite3.OperationalError(f"database is locked ({why})")
    error.sqlite_errorcode = sqlite3.SQLITE_BUSY
    error.sqlite_errorname = "SQLITE_BUSY"
    return error


def patiently(call: Callable, wait: float):
    """`call()`, tried again while SQLite answers "database is locked", for `wait` seconds.
    A refused statement changed nothing (the lock is taken before the first write)."""
    deadline = time.monotonic() + wait
    pause = FIRST_PAUSE
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
            if error.sqlite_errorcode == sqlite3.SQLITE_BUSY_SNAPSHOT:
                raise  # the transaction read an older snapshot: waiting cannot help
            if time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)
