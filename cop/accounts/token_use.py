"""When each access token was last used, written for many tokens at once.

A token's `last_used_at` is kept to five minutes (a use within five minutes of the last
one writes nothing). When a webinar starts, a thousand people connect within seconds, each
a token's first use in five minutes. Written one by one, each on a pooled connection of
its own while the arrival held another, those were a thousand writes waiting for the write
turn in the middle of the arrivals: 1,000 arrivals took 5.3 s against 4.2 s with tokens
used in the last five minutes, and with one worker they ran the pool dry (35 s, some
refused; docs/benchmarks.md, "Session 16").

Per process, the uses wait in `pending`, and a write takes everything pending in one
statement. Writes come at most once per gap (COP_TOKEN_USE_GAP, one second): a use finding
no write under way and none in the last gap writes at once, before its request goes on; a
use coming sooner, or while a write goes on, only adds itself, and a task of its own
writes it with the others when the gap is over. So no arrival waits for more than one
write, and a storm of them is a write a second, not one per arrival (which was 8 % of a
live worker's time in a thousand arrivals). A process that stops while uses wait loses
those (at most one gap's): they are times to five minutes, and the next use writes again.
Tests set the gap to 0, so that no task writes after their database is gone.
"""

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from cop.accounts.models import AccessToken
from cop.extensions import db, socketio

log = logging.getLogger(__name__)


@dataclass
class _Uses:
    gap: float  # seconds from the start of one write to the start of the next
    pending: dict[int, datetime] = field(default_factory=dict)  # token id -> used at
    writing: bool = False
    last_round: float = float("-inf")  # when the latest write started (time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _uses(app: Flask) -> _Uses:
    uses = app.extensions.get("cop_token_uses")
    if uses is None:
        uses = app.extensions["cop_token_uses"] = _Uses(app.config["COP_TOKEN_USE_GAP"])
    return uses


def used(token_id: int, at: datetime) -> None:
    """Record a use of the token (its first in five minutes): now, or with the next write
    (when the one under way is done, and a gap after the last one began)."""
    app = current_app._get_current_object()
    uses = _uses(app)
    with uses.lock:
        uses.pending[token_id] = at
        if uses.writing:
            return
        uses.writing = True
        now_due = time.monotonic() >= uses.last_round + uses.gap
    if not now_due or _round_then_more(uses):
        socketio.start_background_task(_write_rest, app)


def _write_rest(app: Flask) -> None:
    """Write round after round, each when the gap after the last is over, until a round
    finds nothing came meanwhile."""
    uses = _uses(app)
    with app.app_context():
        while True:
            socketio.sleep(max(uses.last_round + uses.gap - time.monotonic(), 0.0))
            if not _round_then_more(uses):
                return


def _round_then_more(uses: _Uses) -> bool:
    """Write a round; whether uses came meanwhile (this writer then goes on: `writing`
    stays set)."""
    try:
        _write_round(uses)
    except Exception:
        with uses.lock:
            uses.writing = False
        raise
    with uses.lock:
        uses.writing = bool(uses.pending)
        return uses.writing


def _write_round(uses: _Uses) -> None:
    """Everything pending, in one statement, on a connection of its own: committing the
    caller's session would expire the person it is about to use (and read them again),
    for a time nobody acts on. A database that takes no writes (read-only, locked) still
    lets the tokens read."""
    with uses.lock:
        batch, uses.pending = uses.pending, {}
        uses.last_round = time.monotonic()
    if not batch:
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(AccessToken)
                .where(AccessToken.id.in_(batch))
                .values(last_used_at=max(batch.values()))  # seconds apart: one time
            )
    except DBAPIError as error:
        log.warning("%d tokens: last use not recorded (%s)", len(batch), error.orig)
