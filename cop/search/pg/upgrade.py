"""A `search_document` table built by another version of the analysis, rebuilt by the
background worker (`cop worker`, never a serving worker) beside it.

Each pass fills `search_document_next` with one batch (indexer.DOCUMENTS documents, in the
sources' order) and records in `search_state`, in the same transaction, the source and
document number it got to, so a worker killed at any point resumes at the last commit.
When no document is left, one transaction drops the old table, renames the new one (and
its indexes) in its place, marks the version current and deletes the outbox rows older
than the rebuild (the new table read the database after them): searches see the old
state (a 503) or the new one, never half. Passes and drains take the drains' advisory
lock; drains and searches' catching up leave the outbox alone while the table is
outdated, so the writes made meanwhile are applied after the switch."""

import logging

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from cop.extensions import db
from cop.search import indexer
from cop.search.models import SearchOutbox
from cop.search.pg import indexing, version
from cop.search.pg.table import KEY_INDEXES, analyze, documents, next_documents, state, tune
from cop.search.schema import VERSION
from cop.search.sources import SOURCES

log = logging.getLogger(__name__)


def _start(session: Session) -> None:
    next_documents.drop(session.connection(), checkfirst=True)
    next_documents.create(session.connection())
    tune(session.connection(), next_documents)
    session.execute(
        update(state).values(
            total=indexer.count_documents(),
            done=0,
            source=0,
            after=0,
            outbox_before=session.scalar(select(func.max(SearchOutbox.id))),
        )
    )
    log.info("search: rebuilding the outdated table")


def _batch(session: Session, source: int, after: int) -> int:
    """Write the next batch into the new table and record where it ended; returns how
    many documents it wrote."""
    found: dict[str, dict] = {}
    for n in range(source, len(SOURCES)):
        for doc_id, fields in SOURCES[n].all_documents(session, after if n == source else 0):
            found[doc_id] = fields
            source, after = n, int(doc_id.removeprefix(SOURCES[n].PREFIX))
            if len(found) == indexer.DOCUMENTS:
                break
        if len(found) == indexer.DOCUMENTS:
            break
    if found:
        indexing.write(session, found, next_documents)
        session.execute(
            update(state).values(done=state.c.done + len(found), source=source, after=after)
        )
    return len(found)


def _switch(session: Session, outbox_before: int | None) -> None:
    old, new = documents.name, next_documents.name
    session.execute(text(f"DROP TABLE {old}"))
    session.execute(text(f"ALTER TABLE {new} RENAME TO {old}"))
    session.execute(text(f"ALTER TABLE {old} RENAME CONSTRAINT pk_{new} TO pk_{old}"))
    for field in ("vector", *KEY_INDEXES):
        session.execute(text(f"ALTER INDEX ix_{new}_{field} RENAME TO ix_{old}_{field}"))
    version.mark_current(session)
    if outbox_before is not None:
        session.execute(delete(SearchOutbox).where(SearchOutbox.id <= outbox_before))
    log.info("search: the rebuilt table replaced the outdated one")


def step() -> bool:
    """One pass of the background rebuild: start it, one batch, or the switch once every
    document is in. Returns whether the table is still outdated."""
    if not version.outdated():
        return False
    with Session(db.engine) as session:
        indexing.lock(session)
        row = session.execute(select(state)).one()
        if row.version == VERSION:  # another process switched while this one waited
            return False
        missing = session.scalar(select(func.to_regclass(next_documents.name))) is None
        if row.total is None or missing:
            _start(session)
        elif not _batch(session, row.source, row.after):
            _switch(session, row.outbox_before)
            session.commit()
            analyze(session.connection(), documents)
            session.commit()
            return False
        session.commit()
    return True
