"""Counters of committed writes, for caches that must notice a change made by any process.

A `WriteCounter` adds one to the single row of its table in every transaction that writes
to a table it is not told to ignore, in that same transaction: a cache entry stored under
the value read before it was computed is then never newer than the data it came from, and
a write in any process or server empties the cache at its commit. The guest page cache
(cop/guest_cache.py) and the search permission scope (cop/search/scope.py) use one each.

What counts as a write: rows a flush inserts, deletes or really changes, bulk and textual
INSERT/UPDATE/DELETE statements run through the session (a table nobody listed counts, so
a new table can only cost a cache miss, never a stale entry), and the hot rows' statements
a transaction sends last (cop/db.py, `write_last`). Schema statements do not: the schema
changes with a restart. Nor do changes of only the `quiet` columns of a table (an UPDATE
setting nothing else, an ORM row with nothing else changed): a counter that change
numbers no cached entry shows (a live session's `seq`, moved by every question). And the
other way round, a table the counter ignores may have `loud` columns: a change of one of
them, or a row deleted, counts (a discussion moved to another space, a post hidden:
the access counter ignores what people write, but not what takes it away from readers).

The counter's row is the hottest of the site: every write updates it. So its UPDATE is the
transaction's last statement (`write_last`), which on PostgreSQL travels in one round trip
with the COMMIT: the row lock is held while the server runs the two, never while the
writer's greenlet waits for the event loop between statements (under gevent every statement
is a trip round the loop; with the UPDATE in the commit's hooks, every writer of the site
queued behind whichever writer held the row and waited for its loop, docs/benchmarks.md
"Head-of-line, session 12"). The count stays in the transaction it counts, so the argument
above holds as it is.
"""

from sqlalchemy import event, inspect, update

from cop.db import write_last, written_last

WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "TRUNCATE")


class WriteCounter:
    def __init__(
        self,
        model,
        ignored: frozenset[str],
        quiet: dict | None = None,
        loud: dict | None = None,
    ) -> None:
        self.model = model  # one row, id 1, with an integer `value`
        self.ignored = ignored | {model.__table__.name}
        self.quiet: dict[str, frozenset[str]] = quiet or {}  # table -> columns
        self.loud: dict[str, frozenset[str]] = loud or {}  # ignored table -> columns
        self.key = f"cop_wrote_{model.__table__.name}"

    def listen(self, target) -> None:
        """Count the writes of `target`'s sessions (a session class or a scoped_session)."""
        event.listen(target, "after_flush", self._note_flushed_rows)
        event.listen(target, "do_orm_execute", self._note_statements)
        event.listen(target, "before_commit", self._count)
        event.listen(target, "after_transaction_end", self._forget)

    def counts(self, table) -> bool:
        return table.name not in self.ignored

    def writes(self, statement) -> bool:
        table = getattr(statement, "table", None)
        if table is not None:
            if not self.counts(table):
                return self._takes_away(statement, table)
            return not self._sets_only_quiet(statement, table)
        sql = getattr(statement, "text", None)
        if sql is not None:
            return sql.lstrip()[:8].upper().startswith(WRITE_VERBS)
        return True

    @staticmethod
    def _set(statement) -> set[str]:
        values = statement._values or dict(statement._ordered_values or ())
        return {getattr(column, "key", column) for column in values}

    def _sets_only_quiet(self, statement, table) -> bool:
        quiet = self.quiet.get(table.name)
        if not quiet or not getattr(statement, "is_update", False):
            return False
        names = self._set(statement)
        return bool(names) and names <= quiet

    def _takes_away(self, statement, table) -> bool:
        """A bulk DELETE from, or UPDATE of a loud column of, an ignored table."""
        loud = self.loud.get(table.name)
        if not loud:
            return False
        if getattr(statement, "is_delete", False):
            return True
        return getattr(statement, "is_update", False) and not loud.isdisjoint(self._set(statement))

    def _changed(self, session, obj) -> bool:
        if obj not in session.dirty:
            return True  # inserted or deleted
        if not session.is_modified(obj):
            return False
        quiet = self.quiet.get(obj.__table__.name)
        if not quiet:
            return True
        return any(a.history.has_changes() for a in inspect(obj).attrs if a.key not in quiet)

    def _loud_change(self, session, obj) -> bool:
        loud = self.loud.get(obj.__table__.name)
        if not loud:
            return False
        if obj in session.deleted:
            return True
        state = inspect(obj)
        return obj in session.dirty and any(state.attrs[k].history.has_changes() for k in loud)

    def _note_flushed_rows(self, session, _context) -> None:
        for obj in (*session.new, *session.deleted, *session.dirty):
            table = obj.__table__
            counted = self._changed(session, obj) if self.counts(table) else None
            if counted or (counted is None and self._loud_change(session, obj)):
                session.info[self.key] = True
                return

    def _note_statements(self, state) -> None:
        if not state.is_select and self.writes(state.statement):
            state.session.info[self.key] = True

    def _count(self, session) -> None:
        if session.new or session.deleted or session.dirty:
            session.flush()  # the commit would flush them after this hook; do it now
        wrote = session.info.pop(self.key, False)
        if wrote or any(self.writes(s) for s in written_last(session)):
            write_last(session, update(self.model).values(value=self.model.value + 1))

    def _forget(self, session, transaction) -> None:
        if transaction.parent is None:  # committed (and counted), rolled back or closed
            session.info.pop(self.key, None)
