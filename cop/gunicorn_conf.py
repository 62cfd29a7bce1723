"""gunicorn settings for cop (`gunicorn -c python:cop.gunicorn_conf cop.wsgi:app`; `cop run`
starts them with cop/run_conf.py's console). Reasons and measurements: docs/serving.md.

- Workers: one per core when they can share live events (COP_MESSAGE_QUEUE, or the
  embedded redis-server this master starts), else one; COP_WORKERS says otherwise
  (cop/processes.py). Browsers use websockets first, so no sticky sessions are needed.
- Background work (indexing, mail) runs in one `cop worker` process that this master
  starts and restarts (COP_BACKGROUND=0: run `cop worker` yourself), never in a serving
  worker.
- gevent-websocket's worker: gunicorn's plain gevent worker, with gevent-websocket
  installed, leaves browsers on long-polling; this class upgrades them to websockets.
  Ours (cop/handoff.py) hands new websockets to live workers of their own when there
  are several workers.
- CPU workers: each server process renders posts and runs searches in COP_CPU_WORKERS
  (default 1) processes of its own (cop/cpu.py), so they never hold its event loop; 0 does
  that work in the server process itself.
- Connections: gunicorn turns away clients past `worker_connections` (its default 1,000);
  each websocket is one, so the default here is 10,000 (COP_WORKER_CONNECTIONS).
"""

import os
import resource
import shutil
from dataclasses import replace

from cop import processes

# Every process that gunicorn starts from here serves with gevent (cop/serving.py).
os.environ["COP_ASYNC_MODE"] = "gevent"

bind = os.environ.get("COP_BIND", "127.0.0.1:5000")
PLAN = processes.plan_from_environment()
workers = PLAN.processes
worker_class = "cop.handoff.Worker"
worker_connections = int(os.environ.get("COP_WORKER_CONNECTIONS", "10000"))
cpu_workers = int(os.environ.get("COP_CPU_WORKERS", "1"))
# Open websockets would hold a stop for gunicorn's default 30 s; clients reconnect and
# get the current state, so a short wait is enough.
graceful_timeout = 5
# gunicorn's control socket has one path per user: two servers on a machine would clash.
control_socket_disable = True
errorlog = "-"
loglevel = "info"


# What this master started beside its workers, stopped in on_exit.
CHILDREN: list = []


def on_starting(server) -> None:
    """The embedded queue and the background worker, before any serving worker starts
    (they inherit the queue's address). Then, as each connection is a file descriptor,
    the soft limit on them is lifted as far as allowed."""
    if PLAN.embedded_queue:
        start_embedded_queue(server)
    if PLAN.live and server.cfg.is_ssl:  # a TLS connection cannot be read ahead
        set_plan(server, replace(PLAN, live=0))
    if PLAN.live:
        from cop.handoff import Listeners, Worker  # gevent's: not before they are needed

        Worker.listeners = Listeners(PLAN.live)
    if os.environ.get("COP_BACKGROUND", "1") != "0":
        CHILDREN.append(processes.background_worker())
    lift_file_limit()
    # `cop run` says it in its start-up line instead (cop/run_conf.py logs warnings only).
    server.log.info("cop serves with %s", processes.describe(PLAN))


def set_plan(server, plan: processes.Plan) -> None:
    global PLAN
    PLAN = plan
    server.num_workers = plan.processes


def start_embedded_queue(server) -> None:
    queue = processes.EmbeddedRedis(shutil.which("redis-server"), processes.instance_path())
    if not queue.ready():
        queue.stop()
        set_plan(
            server,
            processes.Plan(
                1,
                "one only: redis-server, started to share live events "
                f"between several, did not answer (see {queue.folder}/redis.log)",
            ),
        )
        server.log.warning("cop serves with %s", PLAN.reason)
        return
    CHILDREN.append(queue)
    os.environ["COP_MESSAGE_QUEUE"] = queue.url


def pre_fork(server, worker) -> None:
    """The new worker serves live sockets when a live worker's slot is free (at the start,
    or after one exited), else pages."""
    held = {getattr(w, "live_slot", None) for w in server.WORKERS.values()}
    free = sorted(set(range(PLAN.live)) - held)
    worker.live_slot = free[0] if free else None


def on_exit(_server) -> None:
    """After the serving workers stopped: the background worker, then the queue, then the
    live workers' unix sockets."""
    for child in reversed(CHILDREN):
        child.stop()
    from cop.handoff import Worker

    if Worker.listeners is not None:
        Worker.listeners.remove()


def lift_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = worker_connections + 1000
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def post_worker_init(worker) -> None:
    """The CPU workers, once per page worker (a live worker renders nothing: live text is
    plain); then the garbage collector is told to leave the loaded app alone and to run
    less often."""
    from cop import cpu  # in the worker, after the fork: the app is loaded there

    if cpu_workers and getattr(worker, "live_slot", None) is None:
        cpu.start(cpu_workers, app_module="cop.wsgi")
    # Python's defaults made a full collection of a process holding 1,000 websockets every
    # few seconds, each stopping every socket for up to 230 ms (docs/serving.md).
    cpu.settle_collector()


def worker_exit(_server, _worker) -> None:
    from cop import cpu  # loaded by post_worker_init already

    cpu.stop()
