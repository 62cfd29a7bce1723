"""Faults of the infrastructure that pass by themselves: the database down, locked, read-only
or full, the instance folder's disk full or read-only. A request that meets one gets a 503
with Retry-After (never a 500), the operator one log line per cause, and the next request
after the fault has passed is served as usual (docs/faults.md).

`kind_of` is the one place that decides what counts as such a fault; `configure` makes the
pool drop connections that cannot write, so that service resumes without a restart."""

import errno
import time
from enum import StrEnum

from flask import current_app, request, session
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

from cop.errors import error_response, wants_json
from cop.extensions import db
from cop.i18n import current_locale

RETRY_AFTER = 5  # seconds, the Retry-After header of every 503 here
LOG_EVERY = 10.0  # seconds: a cause met again within this is counted, not logged again


class Fault(StrEnum):
    BUSY = "busy"  # a lock held elsewhere for longer than we wait
    DOWN = "down"  # no connection to the database
    STORAGE = "storage"  # the database or the disk cannot store: read-only or full


MESSAGES = {
    Fault.BUSY: _l("The site is busy saving other changes. Try again in a few seconds."),
    Fault.DOWN: _l("The database is not answering right now. Try again in a few seconds."),
    Fault.STORAGE: _l(
        "The server cannot save changes right now: its storage is full or read-only. "
        "Try again later."
    ),
}

# SQLite's primary result codes (sqlite3.Error.sqlite_errorcode & 0xFF).
_SQLITE = {
    5: Fault.BUSY,  # SQLITE_BUSY: "database is locked"
    6: Fault.BUSY,  # SQLITE_LOCKED
    8: Fault.STORAGE,  # SQLITE_READONLY
    10: Fault.STORAGE,  # SQLITE_IOERR
    13: Fault.STORAGE,  # SQLITE_FULL
    14: Fault.DOWN,  # SQLITE_CANTOPEN
}
# PostgreSQL's SQLSTATEs, whole classes by their first two characters.
_POSTGRES = {
    "08": Fault.DOWN,  # connection exception
    "57": Fault.DOWN,  # operator intervention: shutdown, cannot connect now
    "53": Fault.STORAGE,  # insufficient resources: disk full, out of memory, too many conns
    "58": Fault.STORAGE,  # system error: I/O
    "25006": Fault.STORAGE,  # read-only SQL transaction
    "55P03": Fault.BUSY,  # lock not available
    "40P01": Fault.BUSY,  # deadlock detected
}
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT}


def kind_of(error: BaseException) -> Fault | None:
    """The fault behind an exception (or what caused it), or None for anything else: a
    bug, bad SQL or a constraint stays a 500 or the 4xx it is."""
    while error is not None:
        kind = _own_kind(error)
        if kind is not None:
            return kind
        error = error.__cause__
    return None


def _own_kind(error: BaseException) -> Fault | None:
    if isinstance(error, OSError):
        return Fault.STORAGE if error.errno in _STORAGE_ERRNOS else None
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return Fault.BUSY
    if not isinstance(error, exc.DBAPIError):
        return None
    code = getattr(error.orig, "sqlite_errorcode", None)
    state = getattr(error.orig, "sqlstate", None)
    if code is not None:
        kind = _SQLITE.get(code & 0xFF)
    elif state is not None:
        kind = _POSTGRES.get(state) or _POSTGRES.get(state[:2])
    else:  # psycopg's errors before a server answered: refused, reset
        kind = Fault.DOWN if isinstance(error, exc.OperationalError) else None
    if kind is None and (error.connection_invalidated or isinstance(error, exc.InterfaceError)):
        return Fault.DOWN
    return kind


def answer(error: BaseException):
    """The 503 when `error` is a fault, else None (cop.errors' handlers ask this)."""
    return unavailable(error) if kind_of(error) is not None else None


def unavailable(error: BaseException):
    """The 503 for a request that met a fault (the caller rolled the session back): the
    JSON error on the API, else a page that needs no database; logged."""
    kind = kind_of(error)
    log(kind, error, f"{request.method} {request.path}")
    headers = [("Retry-After", str(RETRY_AFTER))]
    with force_locale(safe_locale()):
        text = str(MESSAGES[kind])
        if wants_json():
            return error_response(503, text, headers=headers)
        # Not render_template: its context processors (Flask-Login's current_user) would
        # read the person from the database.
        page = current_app.jinja_env.get_template("unavailable.html")
        return page.render(message=text, request=request), 503, headers


def message(kind: Fault) -> str:
    """The person's explanation, for a socket's `error` event."""
    with force_locale(safe_locale()):
        return str(MESSAGES[kind])


def safe_locale() -> str:
    """The request's language if reading it works now, else the session's choice or the
    default: a signed-in person's language is in the database, which may be the fault."""
    try:
        return current_locale()
    except exc.SQLAlchemyError:  # the same fault again
        db.session.remove()
    chosen = session.get("locale")
    if chosen in current_app.config["COP_LOCALES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


_logged: dict[str, tuple[float, int]] = {}  # cause -> (when last logged, met since)


def log(kind: Fault, error: BaseException, where: str) -> None:
    """One warning line per cause, then one per LOG_EVERY seconds with how many requests
    met it meanwhile: an outage does not bury the log under identical tracebacks."""
    cause = _cause(error)
    now = time.monotonic()
    if len(_logged) > 1000:  # causes that quote values could otherwise pile up
        _logged.clear()
    last, met = _logged.get(cause, (0.0, 0))
    if now - last < LOG_EVERY:
        _logged[cause] = (last, met + 1)
        return
    _logged[cause] = (now, 0)
    again = f" (met {met} more times since the last line)" if met else ""
    current_app.logger.warning("503 %s, %s: %s%s", kind, where, cause, again)


def _cause(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return f"{type(original).__name__}: {text[0] if text else ''}"


def configure(engine: Engine) -> None:
    """A connection that answered "read-only" stays so after the database is writable
    again (SQLite opened the file read-only; PostgreSQL's default_transaction_read_only
    applies to new sessions): treat it as broken, so the pool opens fresh ones."""

    @event.listens_for(engine, "handle_error")
    def _drop_read_only(context) -> None:
        error = context.sqlalchemy_exception
        if error is None or context.is_disconnect:
            return
        orig = context.original_exception
        read_only = (
            getattr(orig, "sqlite_errorcode", 0) & 0xFF == 8
            or getattr(orig, "sqlstate", None) == "25006"
        )
        if read_only:
            context.is_disconnect = True
