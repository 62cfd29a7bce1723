"""Work beside answering requests, in a process of its own: `cop worker`, which `cop run`
(cop/gunicorn_conf.py, cop/processes.py) starts and restarts beside its serving workers,
so a long job (a whole space to index again) never holds a serving worker's event loop.

Each worker is a function `(app, stop)` that loops until the `stop` event is set, in a
thread of its own, doing its work in bounded batches that commit as they go. Several
processes may run the same workers (two mail senders never send one mail twice:
cop/notifications/delivery.py; two indexers take turns at the index's lock). To add one,
write its function and append it to WORKERS.
"""

import logging
import os
import signal
import threading
from collections.abc import Callable

from flask import Flask

from cop import cpu, faults
from cop.accounts import service as accounts
from cop.live import reminders
from cop.notifications.delivery import deliver
from cop.search import backend

log = logging.getLogger(__name__)


def every(app: Flask, stop: threading.Event, seconds: float, work: Callable, what: str) -> None:
    """`work()` every `seconds` until `stop` is set. A failed pass is logged and the next
    one tries again; a fault of the database or the disk is one line per cause
    (cop/faults.py), not a traceback every pass."""
    while not stop.wait(seconds):
        with app.app_context():
            try:
                work()
            except Exception as error:
                kind = faults.kind_of(error)
                if kind is None:
                    log.exception("%s pass failed", what)
                else:
                    faults.log(kind, error, what)


def send_mail(app: Flask, stop: threading.Event) -> None:
    every(app, stop, app.config["COP_MAIL_INTERVAL_SECONDS"], deliver, "mail delivery")


def send_password_resets(app: Flask, stop: threading.Event) -> None:
    """Reset links, seconds after they are asked for (the request only queues them)."""
    seconds = app.config["COP_RESET_MAIL_INTERVAL_SECONDS"]
    every(app, stop, seconds, accounts.send_password_resets, "password reset mail")


def remind_live_sessions(app: Flask, stop: threading.Event) -> None:
    """Followers of a live session hear of it 15 minutes ahead, once (cop/live/reminders.py)."""
    seconds = app.config["COP_LIVE_REMINDER_INTERVAL_SECONDS"]
    every(app, stop, seconds, reminders.remind_starting, "live session reminders")


def index_search(app: Flask, stop: threading.Event) -> None:
    """The outbox drained into the index, and an outdated index rebuilt, a batch a pass."""
    seconds = app.config["COP_SEARCH_INTERVAL_MS"] / 1000
    every(app, stop, seconds, backend.index_pass, "search indexing")


WORKERS = (send_mail, send_password_resets, remind_live_sessions, index_search)


def start(app: Flask) -> threading.Event:
    """Start every worker; set the returned event to stop them all."""
    stop = threading.Event()
    for worker in WORKERS:
        threading.Thread(
            target=worker, args=(app, stop), name=f"cop-{worker.__name__}", daemon=True
        ).start()
        log.info("background worker %s started", worker.__name__)
    return stop


def run(app: Flask) -> None:
    """`cop worker`: every worker until TERM or Ctrl+C, or until the process that started
    it (COP_PARENT_PID, set by cop/processes.py) is gone. Runs below the serving processes'
    priority (COP_NICE, cop/cpu.py): a rebuild takes the cores only when pages leave them."""
    cpu.lower_priority()
    cpu.settle_collector()
    stop = start(app)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    parent = int(os.environ.get("COP_PARENT_PID") or 0)
    while not stop.wait(1):
        if parent and os.getppid() != parent:
            log.warning("the server that started this worker is gone: stopping")
            stop.set()
