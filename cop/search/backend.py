"""The search backend, chosen by COP_SEARCH_BACKEND: `whoosh` (the default: an index
folder on this machine's disk, cop/search/index.py) or `postgres` (a table in the
database, cop/search/pg, for several machines). Both index the same documents from the
same outbox (cop/search/outbox.py) with the same analysis, parse the same query language
and search inside the same permission scope; the API, the page and `cop search` call them
only through here."""

import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale, get_locale

from cop import cpu
from cop.accounts.models import User
from cop.errors import Invalid
from cop.extensions import db
from cop.search import index, indexer, querying, replica, upgrade
from cop.search.pg import indexing as pg_indexing
from cop.search.pg import searching as pg_searching
from cop.search.pg import slots as pg_slots
from cop.search.pg import upgrade as pg_upgrade
from cop.search.pg import version as pg_version
from cop.search.results import Results

NAMES = ("whoosh", "postgres")


@dataclass(frozen=True)
class Backend:
    """What a backend does. `search(user, text, **options)`: one page of what the user
    may read (options: kind, space_id, platform_id, year, sort, page, per_page, facets);
    `drain(wait)`: index what waits in the outbox, returns how many rows it took;
    `rebuild(progress)`: index everything anew; `check()`: drain, then the drift from the
    database; `outdated()`: built by an older version of the analysis, not searchable;
    `upgrade()`: one batch of the background rebuild of an outdated index, or its switch
    to the new one (returns whether it is still outdated); `progress()`: that rebuild's
    (documents done, total), or None before it starts."""

    name: str
    search: Callable[..., Results]
    drain: Callable[[bool], int]
    rebuild: Callable[[Callable[[int], None]], int]
    check: Callable[[], indexer.Drift]
    outdated: Callable[[], bool]
    upgrade: Callable[[], bool]
    progress: Callable[[], tuple[int, int] | None]


WHOOSH = Backend(
    name="whoosh",
    search=querying.search,
    drain=indexer.drain,
    rebuild=indexer.rebuild,
    check=indexer.check,
    outdated=index.outdated,
    upgrade=upgrade.step,
    progress=lambda: index.build_progress(index.state().path),
)
POSTGRES = Backend(
    name="postgres",
    search=pg_searching.search,
    drain=pg_indexing.drain,
    rebuild=pg_indexing.rebuild,
    check=pg_indexing.check,
    outdated=pg_version.outdated,
    upgrade=pg_upgrade.step,
    progress=pg_version.progress,
)


def check_config(config) -> None:
    """Refuse, at start, a backend that cannot work with the configured database."""
    name = config["COP_SEARCH_BACKEND"]
    if name not in NAMES:
        raise RuntimeError(f"COP_SEARCH_BACKEND is one of {', '.join(NAMES)}, not {name!r}.")
    if name == "postgres" and not config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise RuntimeError(
            "COP_SEARCH_BACKEND=postgres needs a PostgreSQL database (COP_DATABASE_URL); "
            "with SQLite, use the default COP_SEARCH_BACKEND=whoosh."
        )
    if config["COP_SEARCH_CONCURRENCY"] < 1 or config["COP_SEARCH_WAIT_MS"] < 0:
        raise RuntimeError(
            "COP_SEARCH_CONCURRENCY is at least 1 and COP_SEARCH_WAIT_MS at least 0."
        )


def current() -> Backend:
    return POSTGRES if current_app.config["COP_SEARCH_BACKEND"] == "postgres" else WHOOSH


def drain(wait: bool = True) -> int:
    return current().drain(wait)


def index_pass() -> None:
    """The background worker's pass (`cop worker`, never a serving worker): rebuild an
    outdated index one batch at a time, and once it is current, drain the outbox (which
    holds the writes made during the rebuild)."""
    chosen = current()
    if not chosen.upgrade():
        chosen.drain(True)


def search(user, text: str, **options) -> Results:
    """One page of what the user may read that matches the query. In a server, searched
    in a cop.cpu worker process, so that a broad query does not hold the event loop; on
    the read replica when there is one fit for this user (cop/search/replica.py). With
    the PostgreSQL backend, on the primary, the search first waits for one of the
    database's search slots (cop/search/pg/slots.py), in the cpu worker once it has one:
    a slot is held while the statement runs, never while the search waits for a worker
    busy with a long post. Raises Invalid for a query outside the language's bounds,
    SearchBusy when no cpu worker and then no slot came free within COP_SEARCH_WAIT_MS."""
    on_replica = replica.chosen(user)
    wait = current_app.config["COP_SEARCH_WAIT_MS"] / 1000
    deadline = time.monotonic() + wait  # the clock is the machine's, the worker's too
    if not cpu.started():
        return _searched(user, text, options, on_replica, deadline)
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    try:
        outcome, value = cpu.run(
            _search_as, user_id, str(get_locale()), text, options, on_replica, deadline, wait=wait
        )
    except cpu.Busy:
        raise pg_slots.SearchBusy() from None
    if outcome == "busy":
        raise pg_slots.SearchBusy()
    if outcome == "invalid":
        raise Invalid(value[0], fields=value[1])
    return value


def _searched(user, text: str, options: dict, on_replica: bool, deadline: float) -> Results:
    if current() is POSTGRES and not on_replica:
        pg_slots.take(deadline)
    return replica.searched(on_replica, lambda: current().search(user, text, **options))


def _search_as(
    user_id: int | None, locale: str, text: str, options: dict, on_replica: bool, deadline: float
) -> tuple:
    """The search in a cop.cpu worker: ("ok", results), ("invalid", (message, fields)) or
    ("busy", None) (an exception's own arguments would not carry its fields across). The
    slot it takes is let go with the worker's transaction, at the end of the call."""
    if user_id is None:
        user = current_app.login_manager.anonymous_user()
    else:
        user = db.session.get(User, user_id)
    with force_locale(locale):
        try:
            return "ok", _searched(user, text, options, on_replica, deadline)
        except Invalid as invalid:
            return "invalid", (invalid.message and str(invalid.message), invalid.fields)
        except pg_slots.SearchBusy:
            return "busy", None
