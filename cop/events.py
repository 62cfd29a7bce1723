"""Domain events: a feature publishes what happened, and other features, higher up, listen
in their own packages (each feature's `listeners.register(app)`, called by `create_app`).
The publisher imports none of its listeners (docs/architecture.md lists who listens).

A handler listens at one of two moments:
- IN_TRANSACTION: it runs at once, inside the publisher's transaction, and what it writes
  commits or rolls back with the publisher's write (a consultation's life cycle, an audit
  entry, notifications);
- AFTER_COMMIT: it runs once the transaction has committed, never if it rolls back, after
  the session has given its database connection back (sockets, mail, caches). A failure
  there is logged, never raised: it must not undo what was saved.

Hooks are questions a feature asks before it writes, which higher features answer (for
example whether a consultation still takes replies): `ask(hook, ...)` returns the answers
of every handler registered for it, in the order they were registered.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from enum import Enum
from typing import ClassVar

from flask import Flask, current_app
from sqlalchemy import event as orm_event

from cop.extensions import db

log = logging.getLogger(__name__)


class Moment(Enum):
    IN_TRANSACTION = "in transaction"
    AFTER_COMMIT = "after commit"


IN_TRANSACTION, AFTER_COMMIT = Moment.IN_TRANSACTION, Moment.AFTER_COMMIT


class Event:
    """Base of the domain's events: frozen dataclasses with a dotted `name`."""

    name: ClassVar[str]


_HANDLERS = "cop_events"
_HOOKS = "cop_hooks"


def init_app(app: Flask) -> None:
    app.extensions[_HANDLERS] = {moment: defaultdict(list) for moment in Moment}
    app.extensions[_HOOKS] = defaultdict(list)


def subscribe(
    app: Flask, event_type: type[Event], handler: Callable, moment: Moment = IN_TRANSACTION
) -> None:
    app.extensions[_HANDLERS][moment][event_type].append(handler)


def publish(event: Event) -> None:
    """Run the event's in-transaction handlers now and queue its after-commit ones."""
    handlers = current_app.extensions[_HANDLERS]
    for handler in handlers[IN_TRANSACTION][type(event)]:
        handler(event)
    for handler in handlers[AFTER_COMMIT][type(event)]:
        after_commit(handler, event)


def register_hook(app: Flask, hook: str, handler: Callable) -> None:
    app.extensions[_HOOKS][hook].append(handler)


def ask(hook: str, *args) -> list:
    return [handler(*args) for handler in current_app.extensions[_HOOKS][hook]]


# Calls queued by the open transaction, and those whose transaction has committed.
_PENDING = "cop_events_pending"
_COMMITTED = "cop_events_committed"


def after_commit(call: Callable, *args) -> None:
    """Call `call(*args)` when the session's transaction commits, never if it rolls back;
    once the session has given its database connection back (the call may wait on the
    network, and a connection held meanwhile is one the next request cannot have)."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # the call belongs to this transaction, as a write would
    session.info.setdefault(_PENDING, []).append((call, args))


@orm_event.listens_for(db.session, "after_commit")
def _committed(session) -> None:
    if session.in_nested_transaction():  # a savepoint: the outer transaction decides
        return
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_COMMITTED, []).extend(pending)


@orm_event.listens_for(db.session, "after_transaction_end")
def _run_committed(session, transaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_PENDING, None)  # rolled back or closed without a commit
    for call, args in session.info.pop(_COMMITTED, ()):
        try:
            call(*args)
        except Exception:
            log.exception("after commit, %r failed", call)
