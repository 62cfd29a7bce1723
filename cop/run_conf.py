"""gunicorn settings for `cop run`: those of cop/gunicorn_conf.py, for a person at a console.
gunicorn speaks only when something goes wrong, and once the app is loaded one line says
where it answers."""

import multiprocessing
import signal

from cop import gunicorn_conf, processes
from cop.gunicorn_conf import *  # noqa: F403  (every setting and hook)

loglevel = "warning"

# Made in the master before it starts the workers, so they share it: the first of them
# to be ready says where cop answers (whichever it is: on a busy machine the second one
# started may answer first, and Ctrl+C then came before the first had said it).
_SAID = multiprocessing.Value("b", 0)


def post_worker_init(worker) -> None:
    gunicorn_conf.post_worker_init(worker)
    # Ctrl+C reaches every process of the terminal: gunicorn's master stops the worker,
    # which quitting on its own as well printed a traceback of the second quit.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if getattr(worker, "live_slot", None) is not None:  # a live worker does not answer on the port
        return
    with _SAID.get_lock():
        first, _SAID.value = not _SAID.value, 1
    if first:  # once, whichever worker is ready first (not again for a restarted one)
        print(startup_line(worker.cfg.bind[0], gunicorn_conf.PLAN), flush=True)


def startup_line(bind: str, plan) -> str:
    return f"cop is running at http://{bind} with {processes.describe(plan)} — Ctrl+C to stop"
