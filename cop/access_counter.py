"""The counter of writes that may change what someone may read, for caches of access.

Memberships, roles, spaces, forum settings and course modules decide who reads what;
writing posts, replies, reactions and the like never does, but moving a discussion or
hiding a post does (ACCESS_LOUD_COLUMNS). So every transaction that writes to a table
outside ACCESS_NEUTRAL_TABLES, or to one of those columns, or deletes such a row, also
adds one to `search_scope_generation.value`, in the same transaction (a table nobody
listed counts, so a new table can only cost a cache miss, never a stale entry). A cache
entry stored under the value read *before* it was computed is never newer than its key
says. It keys the policy's facts of a person
(cop/policy.py) and the search permission scope (cop/search/scope.py), and it decides
when a guest's earlier page may stand in for one being rendered (cop/guest_cache.py)."""

from sqlalchemy import BigInteger, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from cop.extensions import db
from cop.guest_cache import PRIVATE_TABLES
from cop.write_counter import WriteCounter

# What people write: none of it changes which spaces, groups or notes someone may read.
ACCESS_NEUTRAL_TABLES = PRIVATE_TABLES | {
    "post",
    "post_revision",
    "discussion",
    "reaction",
    "attachment",
    "report",
    "audit_entry",
    "consultation",
    "consultation_assignee",
    "consultation_event",
    "live_question",
    "live_vote",
    # a session's state and sequence number, moved by every question and vote; who may
    # see and moderate a session is read from its space and staff when asked
    "live_session",
    "module_revision",
    "module_link",
    "module_completion",
    "search_outbox",
}


class ScopeGeneration(db.Model):
    """One row; its value grows with every committed write to a table that may change
    what someone may read (the table's name is from when only search used it)."""

    __tablename__ = "search_scope_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


# What takes something away from its readers, although in a table of what people write:
# a discussion moved (to another space or group, or out of its display period), a post
# deleted, hidden, made private or internal, and any such row deleted.
ACCESS_LOUD_COLUMNS = {
    "discussion": frozenset({"space_id", "community_id", "display_from", "display_until"}),
    "post": frozenset({"deleted_at", "hidden_at", "private_to_id", "internal"}),
}

WriteCounter(ScopeGeneration, ACCESS_NEUTRAL_TABLES, loud=ACCESS_LOUD_COLUMNS).listen(Session)


def generation() -> int | None:
    """The counter's value (None in a database without its row: then nothing is cached).
    On PostgreSQL outside a transaction (a live event's sends, after its commit), read in
    one round trip on a connection in autocommit mode, without the BEGIN before it and the
    ROLLBACK after: each is a turn round a busy event loop. What is read next still sees
    every change counted up to the value (read committed), and with no transaction there
    are no uncommitted writes of this session's own for the value to miss."""
    read = select(ScopeGeneration.value).where(ScopeGeneration.id == 1)
    if db.engine.dialect.name != "postgresql" or db.session().in_transaction():
        return db.session.scalar(read)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.scalar(read)
