"""SQLite, the embedded default: WAL for concurrent readers, foreign keys enforced.

`synchronous=NORMAL` is SQLite's advice for WAL: a commit no longer waits for the disk
(fsync happens at checkpoints), and a crash of the app loses nothing; only a power loss
or an operating-system crash may lose the last commits, never corrupt the database.
Under gevent an fsync would stop every connection of the process while it waits."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
