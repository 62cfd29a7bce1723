"""Which version of the analysis built `search_document` (the `search_state` row), and
how far a rebuild for the current one got. A table of another version is not searched
(its lexemes would not match the queries'): searches answer 503 with the progress of the
rebuild the background worker makes beside it (cop/search/pg/upgrade.py)."""

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cop.extensions import db
from cop.search.index import IndexOutdated
from cop.search.pg.table import documents, state
from cop.search.schema import VERSION


def outdated() -> bool:
    """Whether the table was built by another version and holds documents (an empty one
    is simply marked current)."""
    with Session(db.engine) as session:
        found = session.execute(select(state.c.version, state.c.total)).first()
        if found is None:  # emptied (a test's TRUNCATE, a restore): unknown, as 0029 made it
            session.execute(insert(state).values(id=1, version=0).on_conflict_do_nothing())
            session.commit()
            found = (0, None)
        version, total = found
        if version == VERSION:
            return False
        if total is None and session.scalar(select(documents.c.id).limit(1)) is None:
            mark_current(session)
            session.commit()
            return False
        return True


def mark_current(session: Session) -> None:
    """Record (in the caller's transaction) that `search_document` is of this VERSION and
    no rebuild is under way."""
    values = {"version": VERSION, "total": None, "done": None, "source": None, "after": None}
    session.execute(
        insert(state)
        .values(id=1, outbox_before=None, **values)
        .on_conflict_do_update(index_elements=[state.c.id], set_={**values, "outbox_before": None})
    )


def progress() -> tuple[int, int] | None:
    """(documents done, total) of the rebuild under way, None before it starts."""
    with Session(db.engine) as session:
        found = session.execute(select(state.c.total, state.c.done)).first()
    return None if found is None or found[0] is None else (found[1] or 0, found[0])


def require_current() -> None:
    """Raise IndexOutdated (a 503 with the rebuild's progress) for an outdated table."""
    if outdated():
        raise IndexOutdated(progress())
