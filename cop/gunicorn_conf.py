"""gunicorn settings for cop (`gunicorn -c python:cop.gunicorn_conf cop.wsgi:app`; `cop run`
starts them with cop/run_conf.py's console). Reasons and measurements: docs/serving.md.

- One worker per process: Socket.IO keeps a client's session in the process that
  accepted it. More processes share live events through COP_MESSAGE_QUEUE (Redis).
- gevent-websocket's worker: gunicorn's plain gevent worker, with gevent-websocket
  installed, leaves browsers on long-polling; this class upgrades them to websockets.
- CPU workers: each server process renders posts and runs searches in COP_CPU_WORKERS
  (default 2) processes of its own (cop/cpu.py), so they never hold its event loop; 0 does
  that work in the server process itself.
- Connections: gunicorn turns away clients past `worker_connections` (its default 1,000);
  each websocket is one, so the default here is 10,000 (COP_WORKER_CONNECTIONS).
"""

import gc
import os
import resource

# Every process that gunicorn starts from here serves with gevent (cop/serving.py).
os.environ["COP_ASYNC_MODE"] = "gevent"

bind = os.environ.get("COP_BIND", "127.0.0.1:5000")
workers = 1
worker_class = "geventwebsocket.gunicorn.workers.GeventWebSocketWorker"
worker_connections = int(os.environ.get("COP_WORKER_CONNECTIONS", "10000"))
cpu_workers = int(os.environ.get("COP_CPU_WORKERS", "2"))
# Open websockets would hold a stop for gunicorn's default 30 s; clients reconnect and
# get the current state, so a short wait is enough.
graceful_timeout = 5
# gunicorn's control socket has one path per user: two servers on a machine would clash.
control_socket_disable = True
# Python's defaults (700, 10, 10) made a full collection of a process holding 1,000
# websockets every few seconds, each stopping every socket for up to 230 ms (docs/serving.md).
GC_THRESHOLDS = (50_000, 20, 100)
errorlog = "-"
loglevel = "info"


def on_starting(_server) -> None:
    """Each connection is a file descriptor: lift the soft limit as far as allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = worker_connections + 1000
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def post_worker_init(worker) -> None:
    """The mail sender and the other background workers, and the CPU workers, once per
    server process; then the garbage collector is told to leave the loaded app alone and
    to run less often."""
    from cop import background, cpu  # in the worker, after the fork: the app is loaded there

    worker.cop_stop = background.start(worker.wsgi)
    if cpu_workers:
        cpu.start(cpu_workers, app_module="cop.wsgi")
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def worker_exit(_server, worker) -> None:
    from cop import cpu  # loaded by post_worker_init already

    stop = getattr(worker, "cop_stop", None)
    if stop is not None:
        stop.set()
    cpu.stop()
