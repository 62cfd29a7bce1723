"""At most COP_SEARCH_CONCURRENCY searches at once in PostgreSQL, over every process and
machine that uses the database. The PostgreSQL backend's statements run in the database's
own processes, outside the bound of cop's cpu workers and outside COP_NICE: five people
searching common words kept both cores of the bench machine busy and a page waited behind
them (docs/benchmarks.md, "Head-of-line, session 11").

A slot is a transaction-level advisory lock, (SLOTS, n) for n below the setting, taken in
the transaction that runs the search (in a server, the cpu worker's, once the search has
a worker: cop/search/backend.py) and let go with it at the end of the search. When every
slot is taken, the search tries again after a nap (it holds no core, nor, in the cpu
worker, the server's event loop), the naps doubling from FIRST_NAP to LONGEST_NAP, until
COP_SEARCH_WAIT_MS after the search came; then it is refused with SearchBusy, a 503 with
Retry-After. Slots are taken by whoever tries first after one comes free, not in the
order of arrival: the wait is bounded, not fair."""

import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from cop.errors import Unavailable
from cop.extensions import db
from cop.faults import RETRY_AFTER

SLOTS = 0x636F7053  # the slots' advisory locks are (SLOTS, n): "copS"
FIRST_NAP = 0.005  # seconds
LONGEST_NAP = 0.05

_TAKE = text(
    "SELECT n FROM generate_series(0, :slots - 1) AS n "
    "WHERE pg_try_advisory_xact_lock(:key, n) LIMIT 1"
)


class SearchBusy(Unavailable):
    """Every search slot, or every cpu worker of the process (either backend,
    cop/search/backend.py), stayed taken for COP_SEARCH_WAIT_MS."""

    default_message = _l("Search is busy right now. Try again in a few seconds.")

    def headers(self) -> list[tuple[str, str]]:
        return [("Retry-After", str(RETRY_AFTER))]


def _try() -> bool:
    slots = current_app.config["COP_SEARCH_CONCURRENCY"]
    return db.session.execute(_TAKE, {"slots": slots, "key": SLOTS}).first() is not None


def take(deadline: float) -> None:
    """One of the slots, held by the session's transaction until it ends; raises
    SearchBusy when none came free by `deadline` (time.monotonic())."""
    nap = FIRST_NAP
    while not _try():
        left = deadline - time.monotonic()
        if left <= 0:
            raise SearchBusy()
        time.sleep(min(nap, left))
        nap = min(2 * nap, LONGEST_NAP)
