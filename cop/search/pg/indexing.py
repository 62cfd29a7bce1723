"""The PostgreSQL backend's indexing: the outbox drained into `search_document`.

From the outbox rather than in the write's own transaction: the analysis (pymorphy3 on
every word) would lengthen every post's transaction, and a change to a whole space (a
move, a platform) covers thousands of documents; the outbox already records both, and a
search catches up with it first, so a person's own write is found at once on any machine
(docs/benchmarks.md measures the search after a write).

Drains hold a transaction-level advisory lock, so they run one at a time across every
process and machine (as the Whoosh writer's lock does on one machine): a drain reads the
documents' current state after taking it, and no older state is written over a newer
one. The rows, the documents and the outbox rows' deletion commit together."""

import logging
from collections.abc import Callable

from psycopg.errors import LockNotAvailable
from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from cop.extensions import db
from cop.search import indexer
from cop.search.models import SearchOutbox
from cop.search.pg import version
from cop.search.pg.table import analyze, documents, next_documents, words
from cop.search.pg.vector import lexemes
from cop.search.sources import SOURCES

log = logging.getLogger(__name__)

LOCK = 0x636F70_5345  # the drains' advisory lock: "cop", "SE"
# How long a search waits for another drain (the worker's, another machine's) before it
# searches without catching up: a drain is one batch of at most 500 documents.
REQUEST_WAIT_MS = 2000
KEY_FIELDS = ("post", "discussion", "consultation", "space", "community", "id")
CHUNK = 500


def lock(session: Session) -> None:
    session.execute(select(func.pg_advisory_xact_lock(LOCK)))


def _lock_within(session: Session, milliseconds: int) -> bool:
    """The drains' lock, or False once `milliseconds` passed waiting for it."""
    session.execute(text(f"SET LOCAL lock_timeout = {int(milliseconds)}"))
    try:
        lock(session)
    except OperationalError as error:
        if not isinstance(error.orig, LockNotAvailable):
            raise
        session.rollback()
        return False
    session.execute(text("SET LOCAL lock_timeout = 0"))
    return True


def _row(fields: dict) -> tuple[dict, set[str]]:
    """The table row of an index document (only a discussion's posts carry `tags`)."""
    vector, vocabulary = lexemes(fields)
    row = {"tags": "", **fields, "stamp": indexer.stamp(fields), "vector": vector}
    return row, vocabulary


def write(session: Session, found: dict[str, dict], table=documents) -> None:
    """Insert the documents (their old rows already deleted) and their words."""
    items = list(found.values())
    for start in range(0, len(items), CHUNK):
        rows, vocabulary = [], set()
        for fields in items[start : start + CHUNK]:
            row, row_words = _row(fields)
            rows.append(row)
            vocabulary |= row_words
        session.execute(table.insert(), rows)
        if vocabulary:
            session.execute(
                insert(words).on_conflict_do_nothing(),
                [{"word": word} for word in sorted(vocabulary)],
            )


def _covered(session: Session, field_name: str, value: str, limit: int) -> int:
    """How many documents a key covers, in the database or in the table (past `limit`,
    only that there are more)."""
    ids = set()
    for source in SOURCES:
        ids |= source.document_ids(session, field_name, value, limit + 1)
    if field_name in KEY_FIELDS:
        ids.update(
            session.scalars(
                select(documents.c.id).where(documents.c[field_name] == value).limit(limit + 1)
            )
        )
    return len(ids)


def _take(session: Session, rows, documents_limit: int, request: bool) -> list:
    """The first rows that together cover at most `documents_limit` documents. A request
    passes over rows that do not fit (a whole space's change is left to the worker); the
    worker stops at the first, or takes it alone when it is first: a row covering more
    than the limit is one transaction (the Whoosh backend splits it into one row per
    document; here the documents are written together, so searches never see half a
    move)."""
    taken, size = [], 0
    for row in rows:
        more = 1 if row.field in indexer.SINGLE else None
        if more is None:
            more = _covered(session, row.field, row.value, documents_limit)
        if size + more <= documents_limit or not (taken or request):
            taken.append(row)
            size += more
        elif not request:
            break
    return taken


def drain_batch(
    rows_limit: int = indexer.BATCH,
    documents_limit: int = indexer.DOCUMENTS,
    request: bool = False,
) -> int:
    """Index one batch of outbox rows, covering at most `documents_limit` documents, in
    one transaction (see _take). A request waits at most REQUEST_WAIT_MS for another
    drain, then searches without catching up. Returns how many rows it took."""
    with Session(db.engine) as session:
        if not request:
            lock(session)
        elif not _lock_within(session, REQUEST_WAIT_MS):
            return 0
        rows = session.execute(
            select(SearchOutbox.id, SearchOutbox.field, SearchOutbox.value)
            .order_by(SearchOutbox.id)
            .limit(rows_limit)
        ).all()
        rows = _take(session, rows, documents_limit, request)
        if not rows:
            return 0
        keys = {(row.field, row.value) for row in rows}
        found = indexer.documents_for(session, keys)
        for field_name, value in keys:
            if field_name in KEY_FIELDS:
                session.execute(delete(documents).where(documents.c[field_name] == value))
        if found:
            session.execute(delete(documents).where(documents.c.id.in_(list(found))))
        write(session, found)
        session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
        session.commit()
        return len(rows)


def drain(wait: bool = True) -> int:
    """Index everything waiting in the outbox; returns how many rows it took. (`wait` is
    the Whoosh backend's: a drain here always waits for the one before it.)"""
    total = 0
    while indexer.waiting() and not version.outdated():
        taken = drain_batch()
        if not taken:
            return total
        total += taken
    return total


def catch_up() -> None:
    """What a search does first, so that a person's own writes are found at once, on this
    machine or any other: index the waiting rows, REQUEST_DOCUMENTS documents at most.
    Rows covering more (a change to a whole space) are left to the worker. Raises
    IndexOutdated (a 503) while the table is of another version and rows wait (with none
    waiting, the search's own statement reads the version: cop/search/pg/searching.py)."""
    if indexer.waiting():
        version.require_current()
        limit = indexer.REQUEST_DOCUMENTS
        drain_batch(rows_limit=limit, documents_limit=limit, request=True)


def rebuild(progress: Callable[[int], None] = lambda n: None) -> int:
    """Index every document from the database anew, in one transaction: searches see the
    old rows until it commits. Outbox rows older than the rebuild are then done, and the
    table is of the current version (a background rebuild under way is dropped)."""
    count = 0
    with Session(db.engine) as session:
        lock(session)
        done_before = session.scalar(select(func.max(SearchOutbox.id)))
        session.execute(delete(documents))
        session.execute(delete(words))
        batch: dict[str, dict] = {}
        for doc_id, fields in indexer.all_documents(session):
            batch[doc_id] = fields
            if len(batch) == CHUNK:
                write(session, batch)
                count += len(batch)
                progress(len(batch))
                batch = {}
        write(session, batch)
        count += len(batch)
        progress(len(batch))
        if done_before is not None:
            session.execute(delete(SearchOutbox).where(SearchOutbox.id <= done_before))
        next_documents.drop(session.connection(), checkfirst=True)  # a background rebuild's
        version.mark_current(session)
        session.commit()
        analyze(session.connection(), documents)
        session.commit()
    log.info("search: indexed %d documents in PostgreSQL", count)
    return count


def check() -> indexer.Drift:
    """Drain the outbox, then compare the table with the database (as indexer.check)."""
    drain()
    with Session(db.engine) as session:
        expected = {d: indexer.stamp(fields) for d, fields in indexer.all_documents(session)}
        actual = dict(session.execute(select(documents.c.id, documents.c.stamp)).all())
    return indexer.Drift(
        missing=sorted(expected.keys() - actual.keys()),
        stale=sorted(d for d in expected.keys() & actual.keys() if expected[d] != actual[d]),
        extra=sorted(actual.keys() - expected.keys()),
    )
