"""One hook that notes, inside the flush that writes a change, which index documents it
affects: services never call the index, and a change that commits is never forgotten
(its outbox row commits with it; one that rolls back takes its row along)."""

from itertools import chain

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from cop.search.models import SearchOutbox
from cop.search.sources import SOURCES

_installed = False
# Set in a session's info by a flush that changed index documents (cop/search/replica.py
# sends the writer's next searches to the primary).
CHANGED = "cop_search_changed"


def install() -> None:
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _note_changes)
        _installed = True


def _changed(obj, attributes: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in attributes)


def keys_for(session: Session) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        for source in SOURCES:
            for watched, attributes, key in source.WATCH:
                if isinstance(obj, watched) and (
                    obj in session.new or obj in session.deleted or _changed(obj, attributes)
                ):
                    field, value = key(obj)
                    if value is not None:
                        keys.add((field, str(value)))
    return keys


def _note_changes(session: Session, _flush_context) -> None:
    keys = keys_for(session)
    if keys:
        session.info[CHANGED] = True
        # Core, on the flush's own connection: an ORM statement here would flush again.
        session.connection().execute(
            SearchOutbox.__table__.insert(),
            [{"field": field, "value": value} for field, value in sorted(keys)],
        )
