"""Declarative base with a naming convention (Alembic needs stable constraint names), and
the hot rows' statements a transaction sends last (`write_last`)."""

from collections.abc import Callable
from datetime import UTC, datetime

import psycopg
from sqlalchemy import DateTime, MetaData, Table, event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC; always returns aware datetimes (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use cop.db.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def reserve_ids(session, table: Table, n: int) -> list[int]:
    """`n` new ids of `table` (its integer primary key `id`), ascending, for rows a flush
    then inserts in one executemany (with their ids known, the ORM needs no RETURNING,
    which SQLite cannot give for many rows in their order). On SQLite the ids follow the
    highest: the caller's transaction must have written already (it then holds SQLite's
    only write lock until it commits, so nobody else takes them)."""
    if session.get_bind().dialect.name == "postgresql":
        ids = session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": n},
        )
        return sorted(ids)
    highest = session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    return list(range(highest + 1, highest + 1 + n))


# --- hot rows: written last, in the COMMIT's round trip --------------------------------

_LAST = "cop_last_writes"


def write_last(session, statement, done: Callable[[list], None] | None = None) -> None:
    """Run `statement`, an UPDATE of a row many transactions update (a counter, a change
    number), as the transaction's last, just before its COMMIT; `done(rows)`, for a
    statement with RETURNING, gets the rows it returned (on PostgreSQL once the
    transaction has committed, never if it did not).

    On PostgreSQL the statements travel with the COMMIT in one round trip (one string of
    statements, the simple query protocol), so the row lock they take is held only while
    the server runs them and the commit, never while this greenlet waits for a busy event
    loop to send its next statement: under gevent every statement is a trip round the
    loop, and a hot row held across one made every other writer of it queue behind
    (docs/benchmarks.md, "Head-of-line, session 12"). Its parameters are merged into the
    text by the driver's quoting as they are: plain values (ints, aware datetimes), no
    values a type must convert. Not for a savepoint that may roll back alone: the statement
    waits for the outer COMMIT.

    On SQLite it runs at once: its only write lock is held from the transaction's first
    write to its end (cop/write_turn.py) wherever the statement stands, so running it
    last would shorten nothing."""
    connection = session.connection(bind_arguments={"clause": statement})
    session.info.setdefault(_LAST, []).append(statement)
    if connection.dialect.name != "postgresql":
        result = session.execute(statement)
        if done is not None:
            done(result.all())
        return
    compiled = statement.compile(dialect=connection.dialect)
    pending = connection.connection.info.setdefault(_LAST, [])
    pending.append((str(compiled), compiled.construct_params(), done))


def written_last(session) -> list:
    """The statements `write_last` was given in the session's open transaction."""
    return session.info.get(_LAST, [])


@event.listens_for(Session, "after_transaction_end")
def _forget(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_LAST, None)


def configure(engine: Engine) -> None:
    """Make a PostgreSQL engine's COMMIT carry the transaction's `write_last` statements."""
    if engine.dialect.name != "postgresql":
        return
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection) -> None:
        pending = _taken(dbapi_connection)
        if not pending:
            commit(dbapi_connection)
            return
        # One string, one send, one wait: the statements (parameters merged here, by the
        # driver's own quoting) and the COMMIT run as one simple query. psycopg's pipeline
        # mode would send each statement as it comes, waiting on the socket (a gevent
        # switch) between them, so the first one's lock would be held across the loop.
        cursor = psycopg.ClientCursor(dbapi_connection.driver_connection)
        try:
            merged = [cursor.mogrify(sql, params) for sql, params, _done in pending]
            cursor.execute(";\n".join([*merged, "COMMIT"]))
            for _sql, _params, done in pending:  # a result per statement, in order
                if done is not None:
                    done(cursor.fetchall())
                cursor.nextset()
        finally:
            cursor.close()

    def do_rollback(dbapi_connection) -> None:
        _taken(dbapi_connection)
        rollback(dbapi_connection)

    dialect.do_commit, dialect.do_rollback = do_commit, do_rollback


def _taken(dbapi_connection) -> list | None:
    """The statements waiting for the connection's COMMIT, taken off it."""
    try:
        info = dbapi_connection.info
    except NotImplementedError:  # the engine's first connect: a bare connection, no pool's
        return None
    return info.pop(_LAST, None)
