"""Declarative base with a naming convention (Alembic needs stable constraint names)."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, Table, func, select, text
from sqlalchemy.orm import DeclarativeBase, registry
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
