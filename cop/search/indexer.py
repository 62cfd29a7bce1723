"""The one way documents get into the index: drain the outbox in batches, rebuild from
the database, or check the index against it.

A batch holds at most DOCUMENTS documents, whatever its rows ask for: a row whose key
covers more (a space or a community: every post in it, after a move or a platform change)
is split instead, into one row per document it covers in the database or in the index,
committed, and those rows are drained in the following batches. So no batch takes longer
than about one of DOCUMENTS documents, and a crash loses at most one batch's work.

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

from cop.extensions import db
from cop.search import index
from cop.search.models import SearchOutbox
from cop.search.sources import SOURCES

log = logging.getLogger(__name__)

BATCH = 500
DOCUMENTS = 500
# What a search request indexes itself before searching, at most (see catch_up).
REQUEST_DOCUMENTS = 100
# Keys that name one document; any other key may cover many and is counted first.
SINGLE = frozenset({"post", "id"})
# How long a writer that must succeed (the background indexer, rebuild) waits for another.
WRITER_TIMEOUT = 30.0


def stamp(fields: dict) -> str:
    """A digest of a document's fields: `check` compares it with the database's."""
    text = repr(sorted((k, v) for k, v in fields.items() if k != "stamp"))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def indexed(fields: dict) -> dict:
    """What the index gets for a source's document: its fields, the text once more for
    the `derived` and `exact` fields, an opening post's title for `title`, and the
    stamp."""
    return {
        **fields,
        "derived": fields["text"],
        "exact": fields["text"],
        "title": fields["heading"] if fields["first"] == "1" else "",
        "stamp": stamp(fields),
    }


def documents_for(session: Session, keys: set[tuple[str, str]]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for source in SOURCES:
        found.update(source.documents(session, keys))
    return found


def _covered(session: Session, searcher, field_name: str, value: str, limit: int) -> set[str]:
    """The ids of the documents a key covers: those the database has for it now and those
    the index still holds under it (to be deleted or moved); past `limit`, only more than
    `limit` of them."""
    ids = set()
    for source in SOURCES:
        ids |= source.document_ids(session, field_name, value, limit + 1)
    if field_name in searcher.schema:
        for number in searcher.document_numbers(**{field_name: value}):
            ids.add(searcher.stored_fields(number)["id"])
            if len(ids) > limit:
                break
    return ids


def _split(session: Session, row, ids: set[str]) -> None:
    """Replace a row that covers many documents by one row per document, in one commit."""
    if ids:
        session.execute(
            SearchOutbox.__table__.insert(), [{"field": "id", "value": i} for i in sorted(ids)]
        )
    session.execute(delete(SearchOutbox).where(SearchOutbox.id == row.id))
    session.commit()
    log.info("search: split %s %s into %d documents", row.field, row.value, len(ids))


def _take(session: Session, searcher, rows, documents: int, split: bool) -> list:
    """The first rows that together cover at most `documents` documents. A first row that
    alone covers more is split when `split` (and none is taken); without `split` (a
    request catching up) rows that do not fit are passed over, so a person's own small
    changes are not stuck behind a big one. Indexing reads the rows' current state, so
    the order in which rows are taken does not matter."""
    taken, size = [], 0
    for row in rows:
        if row.field in SINGLE:
            more = 1
        else:
            more = len(_covered(session, searcher, row.field, row.value, documents))
        if more > documents and not taken and split:
            _split(session, row, _covered(session, searcher, row.field, row.value, 10**9))
            return []
        if size + more > documents:
            if split:
                break
            continue  # a request leaves a big row to `cop worker` and takes the small ones
        taken.append(row)
        size += more
    return taken


def drain_batch(
    wait: bool = True, rows_limit: int = BATCH, documents: int = DOCUMENTS, split: bool = True
) -> int | None:
    """Index one batch from the outbox: at most `rows_limit` rows covering at most
    `documents` documents (a first row covering more is split into one row per document,
    or else left for a drain that may split). Returns how many rows it took or split, or
    None when another process holds the writer and `wait` is False (that one is at it)."""
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
                .limit(rows_limit)
            ).all()
            if not rows:
                writer.cancel()
                return 0
            # The commit the writer starts from (nobody can commit while it holds the
            # lock), through this thread's searcher: the writer's own `searcher()`, which
            # `update_document` and `delete_by_term` open every time, reopens every
            # segment, copying its files out of the memory map (~0.3 s at 100,000 posts).
            searcher = index.searcher()
            taken = _take(session, searcher, rows, documents, split)
            if not taken:
                writer.cancel()
                return 1 if split else 0
            keys = {(row.field, row.value) for row in taken}
            wanted = documents_for(session, keys)
            number = index.writer_number(searcher, writer)
            held = {
                searcher.stored_fields(doc)["id"]
                for field_name, value in keys
                if field_name in searcher.schema
                for doc in searcher.document_numbers(**{field_name: value})
            }
            for doc_id in held | wanted.keys():  # gone, or to be written anew
                for doc in searcher.document_numbers(id=doc_id):
                    writer.delete_document(number(doc))
            for fields in wanted.values():
                writer.add_document(**indexed(fields))
            writer.commit()
            session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in taken])))
            session.commit()
            return len(taken)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise


def drain(wait: bool = True) -> int:
    """Index everything waiting in the outbox; returns how many rows it took. The outbox
    is looked at before the writer is taken (again): a writer costs a search that drains
    ~20 ms, and one that is cancelled leaves its empty segment's files behind until the
    next commit."""
    if not waiting() or index.outdated():
        return 0
    total = 0
    while True:
        taken = drain_batch(wait)
        total += taken or 0
        # Checking the outbox is cheaper than taking the writer again to find it empty.
        if not taken or not waiting():
            return total


def catch_up() -> None:
    """What a request does before it searches, so that the person's own writes are found
    at once: index what waits in the outbox while it is little, REQUEST_DOCUMENTS documents
    at most and without waiting for the index's writer. More (a change to a whole space)
    is left to the background indexer, in its own process (`cop worker`)."""
    if waiting():
        drain_batch(
            wait=False, rows_limit=REQUEST_DOCUMENTS, documents=REQUEST_DOCUMENTS, split=False
        )


def waiting() -> bool:
    with Session(db.engine) as session:
        return session.scalar(select(SearchOutbox.id).limit(1)) is not None


def pending() -> int:
    with Session(db.engine) as session:
        return session.scalar(select(func.count()).select_from(SearchOutbox))


def all_documents(session: Session) -> Iterator[tuple[str, dict]]:
    for source in SOURCES:
        yield from source.all_documents(session)


def rebuild(progress: Callable[[int], None] = lambda n: None) -> int:
    """Index every document from the database anew, in one commit: searches see the old
    index until it stands. Outbox rows older than the rebuild are then done."""
    try:
        ix = index.get_index()
    except index.IndexOutdated:
        ix = index.reset_index()
    if set(ix.schema.names()) != set(index.make_schema().names()):
        ix = index.reset_index()
    writer = ix.writer(timeout=WRITER_TIMEOUT)
    count = 0
    try:
        with Session(db.engine) as session:
            done_before = session.scalar(select(func.max(SearchOutbox.id)))
            for _doc_id, fields in all_documents(session):
                writer.add_document(**indexed(fields))
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
        expected = {doc_id: stamp(fields) for doc_id, fields in all_documents(session)}
    searcher = index.searcher()
    actual = {fields["id"]: fields.get("stamp") for fields in searcher.all_stored_fields()}
    return Drift(
        missing=sorted(expected.keys() - actual.keys()),
        stale=sorted(d for d in expected.keys() & actual.keys() if expected[d] != actual[d]),
        extra=sorted(actual.keys() - expected.keys()),
    )
