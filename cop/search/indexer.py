"""The one way documents get into the index: drain the outbox in batches, rebuild from
the database, or check the index against it.

Draining takes the index's writer first and only then reads the outbox and the database,
so two processes draining at once cannot write an older state over a newer one. An outbox
row is deleted only after the index commit that covers it, so a crash at any point leaves
the row to be drained again (writing the same documents twice is harmless)."""

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from whoosh.writing import CLEAR

from cop import faults
from cop.extensions import db
from cop.search import index
from cop.search.models import SearchOutbox
from cop.search.sources import SOURCES

log = logging.getLogger(__name__)

BATCH = 500
# How long a writer that must succeed (the background indexer, rebuild) waits for another.
WRITER_TIMEOUT = 30.0


def stamp(fields: dict) -> str:
    """A digest of a document's fields: `check` compares it with the database's."""
    text = repr(sorted((k, v) for k, v in fields.items() if k != "stamp"))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _documents(session: Session, keys: set[tuple[str, str]]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for source in SOURCES:
        found.update(source.documents(session, keys))
    return found


def drain_batch(wait: bool = True) -> int | None:
    """Index one batch from the outbox. Returns how many rows it took, or None when
    another process holds the writer and `wait` is False (that one is draining)."""
    writer = index.writer(WRITER_TIMEOUT if wait else 0)
    if writer is None:
        if wait:
            raise TimeoutError("the search index stayed locked")
        return None
    try:
        with Session(db.engine) as session:
            rows = session.execute(
                select(SearchOutbox.id, SearchOutbox.field, SearchOutbox.value)
                .order_by(SearchOutbox.id)
                .limit(BATCH)
            ).all()
            if not rows:
                writer.cancel()
                return 0
            keys = {(row.field, row.value) for row in rows}
            wanted = _documents(session, keys)
            # The commit the writer starts from (nobody can commit while it holds the
            # lock), through this thread's searcher: the writer's own `searcher()`, which
            # `update_document` and `delete_by_term` open every time, reopens every
            # segment, copying its files out of the memory map (~0.3 s at 100,000 posts).
            searcher = index.searcher()
            number = index.writer_number(searcher, writer)
            indexed = {
                searcher.stored_fields(doc)["id"]
                for field_name, value in keys
                if field_name in searcher.schema
                for doc in searcher.document_numbers(**{field_name: value})
            }
            for doc_id in indexed | wanted.keys():  # gone, or to be written anew
                for doc in searcher.document_numbers(id=doc_id):
                    writer.delete_document(number(doc))
            for fields in wanted.values():
                writer.add_document(**fields, stamp=stamp(fields))
            writer.commit()
            session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
            session.commit()
            return len(rows)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise


def drain(wait: bool = True) -> int:
    """Index everything waiting in the outbox; returns how many rows it took. A batch
    shorter than BATCH ends it (another writer costs a search that drains ~20 ms). An empty
    outbox is seen without taking the index's writer (a writer that is cancelled leaves
    its empty segment's files behind until the next commit, and every search and the
    background indexer's every pass would add some)."""
    if not _waiting():
        return 0
    total = 0
    while True:
        taken = drain_batch(wait)
        total += taken or 0
        if taken is None or taken < BATCH:  # a short batch took all there was
            return total


def _waiting() -> bool:
    with Session(db.engine) as session:
        return session.scalar(select(SearchOutbox.id).limit(1)) is not None


def pending() -> int:
    with Session(db.engine) as session:
        return session.scalar(select(func.count()).select_from(SearchOutbox))


def _all_documents(session: Session) -> Iterator[tuple[str, dict]]:
    for source in SOURCES:
        yield from source.all_documents(session)


def rebuild(progress: Callable[[int], None] = lambda n: None) -> int:
    """Index every document from the database anew, in one commit: searches see the old
    index until it stands. Outbox rows older than the rebuild are then done."""
    ix = index.get_index()
    if set(ix.schema.names()) != set(index.make_schema().names()):
        ix = index.reset_index()
    writer = ix.writer(timeout=WRITER_TIMEOUT)
    count = 0
    try:
        with Session(db.engine) as session:
            done_before = session.scalar(select(func.max(SearchOutbox.id)))
            for _doc_id, fields in _all_documents(session):
                writer.add_document(**fields, stamp=stamp(fields))
                count += 1
                progress(1)
            writer.commit(mergetype=CLEAR)
            if done_before is not None:
                session.execute(delete(SearchOutbox).where(SearchOutbox.id <= done_before))
                session.commit()
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    return count


def count_documents() -> int:
    with Session(db.engine) as session:
        return sum(source.count(session) for source in SOURCES)


@dataclass
class Drift:
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.stale or self.extra)


def check() -> Drift:
    """Bring the index up to date with the outbox, then compare it with the database:
    documents missing from it, stale in it (their fields differ) or that should not be
    there. Anything found is drift the outbox did not account for."""
    drain()
    with Session(db.engine) as session:
        expected = {doc_id: stamp(fields) for doc_id, fields in _all_documents(session)}
    searcher = index.searcher()
    actual = {fields["id"]: fields.get("stamp") for fields in searcher.all_stored_fields()}
    return Drift(
        missing=sorted(expected.keys() - actual.keys()),
        stale=sorted(d for d in expected.keys() & actual.keys() if expected[d] != actual[d]),
        extra=sorted(actual.keys() - expected.keys()),
    )


def run_forever(app, interval: float, stop) -> None:
    """`cop run`'s background indexer: drains the outbox every `interval` seconds until
    `stop` is set. A failed pass is logged and retried on the next one; nothing is lost,
    the rows wait in the outbox. A fault of the database or the disk is logged as one line
    per cause (cop/faults.py), not as a traceback every pass."""
    while not stop.wait(interval):
        with app.app_context():
            try:
                drain()
            except Exception as error:
                kind = faults.kind_of(error)
                if kind is None:
                    log.exception("search indexing pass failed")
                else:
                    faults.log(kind, error, "search indexing")
