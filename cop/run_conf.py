"""gunicorn settings for `cop run`: those of cop/gunicorn_conf.py, for a person at a console.
gunicorn speaks only when something goes wrong, and once the app is loaded one line says
where it answers."""

import signal

from cop import gunicorn_conf
from cop.gunicorn_conf import *  # noqa: F403  (every setting and hook)

loglevel = "warning"


def post_worker_init(worker) -> None:
    gunicorn_conf.post_worker_init(worker)
    # Ctrl+C reaches every process of the terminal: gunicorn's master stops the worker,
    # which quitting on its own as well printed a traceback of the second quit.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if worker.age == 1:  # the first worker started, once
        print(startup_line(worker.cfg.bind[0], gunicorn_conf.PLAN), flush=True)


def startup_line(bind: str, plan) -> str:
    count = f"{plan.workers} worker" + ("s" if plan.workers > 1 else "")
    return f"cop is running at http://{bind} with {count} ({plan.reason}) — Ctrl+C to stop"
