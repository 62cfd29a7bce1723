"""The processes a server runs (cop/gunicorn_conf.py starts them; docs/serving.md):

- serving workers, one per core (`COP_WORKERS` or `cop run --workers` says otherwise),
  when they can share live events through a message queue: `COP_MESSAGE_QUEUE`, or else
  Debian's `redis-server`, started here on a socket in the instance folder (the embedded
  queue). With neither, one worker, and a line saying why;
- with several, as many more that serve only the websockets the others hand them
  (cop/handoff.py), so that a webinar's events never wait behind pages;
- one background worker, `cop worker` (cop/background.py: search indexer, mail), started
  and restarted here, so that no long job runs in a serving worker's event loop.

Only the standard library here: gunicorn's master imports this before it forks the
workers, which gevent patches.
"""

import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

COP = [sys.executable, "-c", "from cop.cli import main; main()"]
# The longest path a unix socket may have is 107 bytes (Linux).
SOCKET_PATH_MAX = 100
REDIS_START_SECONDS = 10
RESTART_DELAY = 1.0


@dataclass(frozen=True)
class Plan:
    workers: int  # that serve pages (and long-polling)
    reason: str
    embedded_queue: bool = False
    live: int = 0  # that serve only websockets, handed over by the others (cop/handoff.py)

    @property
    def processes(self) -> int:
        return self.workers + self.live


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def plan(requested: int | None, queue: str | None, redis_server: str | None, n: int) -> Plan:
    """How many serving workers, and why (the start-up line says it)."""
    count = requested or n
    why = "as asked" if requested else "one per core"
    if count == 1:
        return Plan(1, f"{why}; no message queue needed")
    if queue:
        return Plan(count, f"{why}; live events shared through COP_MESSAGE_QUEUE", live=count)
    if redis_server:
        return Plan(count, f"{why}; live events shared through redis-server", True, live=count)
    return Plan(
        1,
        "one only: several would need a message queue to share live events and there is "
        "none; set COP_MESSAGE_QUEUE or install redis-server, docs/serving.md",
    )


def describe(plan: Plan) -> str:
    """`2 workers and 2 for live sockets (one per core; …)`."""
    count = f"{plan.workers} worker" + ("s" if plan.workers > 1 else "")
    if plan.live:
        count += f" and {plan.live} for live sockets"
    return f"{count} ({plan.reason})"


def plan_from_environment() -> Plan:
    requested = os.environ.get("COP_WORKERS")
    return plan(
        int(requested) if requested else None,
        os.environ.get("COP_MESSAGE_QUEUE"),
        shutil.which("redis-server"),
        cores(),
    )


def instance_path() -> Path:
    return Path(os.environ.get("COP_INSTANCE_PATH") or "instance").resolve()


def _die_with_parent() -> None:
    """In a child, before it execs: the kernel ends it when the server's master dies,
    however it dies (Linux; elsewhere the master's exit hook is the only stop)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class EmbeddedRedis:
    """Debian's redis-server on a unix socket of the instance folder: no port, no password
    to set, nothing kept on disk (it carries only live events and rate-limit counts)."""

    def __init__(self, binary: str, folder: Path):
        self.folder = folder
        # One per server: two servers may share an instance folder.
        path = folder / f"redis-{os.getpid()}.sock"
        if len(str(path)) > SOCKET_PATH_MAX:
            path = Path(tempfile.mkdtemp(prefix="cop-redis-")) / "redis.sock"
        self.path = path
        self.path.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [binary, "--port", "0", "--unixsocket", str(path), "--unixsocketperm", "700"]
            + ["--save", "", "--appendonly", "no", "--dir", str(path.parent)]
            + ["--logfile", str(folder / "redis.log")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl+C stops the server, which then stops this
            preexec_fn=_die_with_parent,
        )

    @property
    def url(self) -> str:
        return f"unix://{self.path}"

    def ready(self) -> bool:
        deadline = time.monotonic() + REDIS_START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.socket(socket.AF_UNIX) as conn:
                    conn.settimeout(1)
                    conn.connect(str(self.path))
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        stop(self.process)
        self.path.unlink(missing_ok=True)


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Supervised:
    """A child process started again whenever it exits, until `stop`."""

    def __init__(self, command: list[str], env: dict[str, str], name: str):
        self.command, self.env, self.name = command, env, name
        self.stopping = threading.Event()
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()
        threading.Thread(target=self._run, name=f"cop-{name}", daemon=True).start()

    def _run(self) -> None:
        while not self.stopping.is_set():
            with self.lock:
                if self.stopping.is_set():
                    return
                # Its own process group (Ctrl+C goes to the server), in the server's session:
                # a nice value counts only within its session's autogroup (cop/cpu.py).
                self.process = subprocess.Popen(
                    self.command, env=self.env, stdin=subprocess.DEVNULL, process_group=0
                )
            code = self.process.wait()
            if not self.stopping.wait(RESTART_DELAY):
                log.warning("the %s exited with %s; starting it again", self.name, code)

    def stop(self) -> None:
        with self.lock:
            self.stopping.set()
        if self.process is not None:
            stop(self.process)


def background_worker() -> Supervised:
    """`cop worker` as a child of this process: threads, no gevent, and told to end when
    this process is gone."""
    env = {**os.environ, "COP_ASYNC_MODE": "threading", "COP_PARENT_PID": str(os.getpid())}
    return Supervised([*COP, "worker"], env, "background worker")
