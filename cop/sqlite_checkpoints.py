"""SQLite's checkpoints in a thread of their own in a serving process, never in a commit.

In WAL mode a commit that finds the log past 1,000 pages (SQLite's automatic checkpoint)
copies the log into the database and syncs it to disk, inside the commit: under gevent
the whole process stops meanwhile, every request and socket, and every writer of every
process waits for the write turn that commit holds. Under the head-of-line bench's
20,000-character posts the log stood at 4.7 MB: such a commit came every twenty-odd posts
(docs/benchmarks.md, "Session 14").

In a process that gevent has patched, connections do not checkpoint on commit
(`wal_autocheckpoint=0`); a real thread of the process checks the log's file every
EVERY seconds and, once it has reached THRESHOLD_BYTES, runs a PASSIVE checkpoint on a
connection of its own (it waits for no reader or writer, returns at once when nothing is
left to copy, and the sqlite3 module lets the loop run while it works). SQLite writes the
log from its start again after a checkpoint without shrinking the file, so from then on
the thread checkpoints every EVERY seconds. Other processes (`cop worker`, commands,
tests) keep SQLite's own checkpoints. SQLite checkpoints and removes the log when its last
connection closes, as before.
"""

import contextlib
import os
import sqlite3

# SQLite's own automatic checkpoint comes at 1,000 pages of 4 KiB.
THRESHOLD_BYTES = 4 * 1024 * 1024
EVERY = 0.5  # seconds

# (process, database) with a checkpointer. Added to by the loop's greenlets only, which
# do not switch in between; a checkpointer removes its own when it ends (atomic in Python).
_started: set[tuple[int, str]] = set()


def _native(module: str, name: str):
    """The unpatched original where gevent has patched `module`."""
    from gevent import monkey  # noqa: PLC0415  (only called under gevent)

    return monkey.get_original(module, name)


def take_over(dbapi_connection, database: str) -> None:
    """Turn off this connection's checkpoints on commit and make sure this process's
    checkpointer runs for `database` (call it for every new connection, under gevent)."""
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
    key = (os.getpid(), database)
    if key in _started:
        return
    _started.add(key)
    _native("_thread", "start_new_thread")(_checkpoint_while_open, (database,))


def _checkpoint_while_open(database: str) -> None:
    """Until the database file is gone: a PASSIVE checkpoint whenever the log has grown
    past THRESHOLD_BYTES."""
    sleep = _native("time", "sleep")
    log = f"{database}-wal"
    connection = None
    try:
        while os.path.exists(database):
            sleep(EVERY)
            try:
                if os.path.getsize(log) < THRESHOLD_BYTES:
                    continue
            except FileNotFoundError:
                continue
            if connection is None:
                connection = sqlite3.connect(database, timeout=0, check_same_thread=False)
            # Refused while another process checkpoints: that one does the work.
            with contextlib.suppress(sqlite3.OperationalError):
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    finally:
        if connection is not None:
            connection.close()
        _started.discard((os.getpid(), database))
