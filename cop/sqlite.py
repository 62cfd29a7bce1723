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
Measurements: docs/faults.md."""

import sqlite3
import time
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Engine

FIRST_PAUSE = 0.002  # seconds; doubled after every refused try, up to LONGEST_PAUSE
LONGEST_PAUSE = 0.05


def configure(engine: Engine, lock_wait: float) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "do_execute")
    def _execute(cursor, statement, parameters, _context):
        patiently(lambda: cursor.execute(statement, parameters), lock_wait)
        return True

    @event.listens_for(engine, "do_execute_no_params")
    def _execute_no_params(cursor, statement, _context):
        patiently(lambda: cursor.execute(statement), lock_wait)
        return True

    @event.listens_for(engine, "do_executemany")
    def _executemany(cursor, statement, parameters, _context):
        patiently(lambda: cursor.executemany(statement, parameters), lock_wait)
        return True


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
