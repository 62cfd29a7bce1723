"""CPU-heavy pure functions, run where they cannot hold a serving process's event loop.

Under gevent one process answers every request and socket from one thread: a render that
takes 100 ms stops every websocket of the process for 100 ms. A thread does not help
(the GIL hands the loop back only every switch interval, and less under contention:
docs/benchmarks.md), so the serving process starts a few worker processes (`start`,
from cop/gunicorn_conf.py) and `run` sends them the call over a pipe. gevent patches
subprocess and queue, so the waiting request yields to the others. Outside a server
(tests, the CLI, threading mode) nothing is started and `run` calls the function itself.

What may be sent: a module-level function of a `cop` module with picklable arguments and
result (cop.text's rendering; with an app module, cop.search.backend's search, which runs in
the worker's own app context). A worker that dies is
replaced and the call is tried once more on the new one.

The workers run at a lower scheduling priority than the serving process (`lower_priority`,
COP_NICE): when every core is busy, the kernel runs the serving processes' pages and socket
writes first and the renders and searches in what is left (docs/serving.md).
"""

import contextlib
import gc
import importlib
import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)
_HEADER = struct.Struct("!I")
NICE = 10  # COP_NICE's default: the kernel weighs a nice-0 process 9 times a nice-10 one
# The collector's thresholds in a server's long-lived processes (Python's are 700, 10, 10):
# fewer, larger passes; docs/serving.md has the measurements.
GC_THRESHOLDS = (50_000, 20, 100)


class WorkerDied(RuntimeError):
    pass


class Busy(RuntimeError):
    """No worker came free within the wait the caller allowed."""


def _send(stream, payload: object) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream) -> object:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise WorkerDied("the worker process closed its pipe")
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise WorkerDied("the worker process closed its pipe")
    return pickle.loads(data)


class _Worker:
    def __init__(self, app_module: str | None) -> None:
        # The worker is no gevent server: it builds its app (if any) in threading mode.
        env = {**os.environ, "COP_ASYNC_MODE": "threading"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cop.cpu", *([app_module] if app_module else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            # Out of the terminal's process group: Ctrl+C stops the server, which stops its
            # workers (or they read the end of their stdin), without a traceback from each.
            # In its session, though: the kernel's autogroups share the cores between
            # sessions first, and a nice value counts only within its session's share.
            process_group=0,
        )

    def call(self, func: Callable, args: tuple) -> object:
        try:
            _send(self.process.stdin, (func.__module__, func.__qualname__, args))
            ok, value = _receive(self.process.stdout)
        except (OSError, ValueError) as error:
            raise WorkerDied(str(error)) from error
        if not ok:
            raise value
        return value

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):  # what was left to write had nowhere to go
                stream.close()


class Pool:
    """`size` worker processes, each doing one call at a time; callers beyond that wait.
    With `app_module` (a module with an `app`, like cop.wsgi) each worker loads that app
    and runs every call inside its app context."""

    def __init__(self, size: int, app_module: str | None = None) -> None:
        self.size, self.app_module = size, app_module
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        for _ in range(size):
            self._idle.put(_Worker(app_module))

    def run(self, func: Callable, *args, wait: float | None = None):
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            raise Busy(f"no cpu worker came free within {wait:g} s") from None
        try:
            try:
                return worker.call(func, args)
            except WorkerDied:
                log.warning("cpu worker %s died; starting another", worker.process.pid)
                worker.close()
                worker = _Worker(self.app_module)
                return worker.call(func, args)
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        for _ in range(self.size):
            self._idle.get().close()


_pool: Pool | None = None


def start(size: int, app_module: str | None = None) -> None:
    """Send `run`'s calls in this process to `size` new worker processes from now on."""
    global _pool
    stop()
    _pool = Pool(size, app_module)


def started() -> bool:
    return _pool is not None


def stop() -> None:
    global _pool
    if _pool is not None:
        _pool.close()
        _pool = None


def run(func: Callable, *args, wait: float | None = None):
    """func(*args), in a worker process when `start` has been called in this one. With
    `wait`, raises Busy when every worker stays busy for that many seconds."""
    if _pool is None:
        return func(*args)
    return _pool.run(func, *args, wait=wait)


def nice_step() -> int:
    """COP_NICE: how far below the serving processes heavy work runs, 0 (the same
    priority) to 19; NICE when unset."""
    value = os.environ.get("COP_NICE", "").strip()
    if not value:
        return NICE
    if not value.isdigit() or int(value) > 19:
        raise ValueError(f"COP_NICE is a whole number from 0 to 19, not {value!r}.")
    return int(value)


def lower_priority() -> None:
    """This process below the serving processes in the kernel's scheduler, by COP_NICE:
    the cpu workers and `cop worker` (cop/background.py) call it as they start."""
    step = nice_step()
    if step:
        os.nice(step)


def settle_collector() -> None:
    """For a long-lived process once it has loaded the app: the garbage collector never
    scans what is loaded so far again (`gc.freeze`) and collects less often. The serving
    workers, the cpu workers and `cop worker` call it."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _serve(app_module: str | None) -> None:
    """A worker's loop: calls in on stdin, (ok, result or exception) out on what was
    stdout; anything the called code prints goes to stderr instead of into the replies."""
    lower_priority()
    stdin = sys.stdin.buffer
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    app = importlib.import_module(app_module).app if app_module else None
    settle_collector()
    while True:
        try:
            module, name, args = _receive(stdin)
        except WorkerDied:
            return
        try:
            if module.partition(".")[0] != "cop":
                raise ValueError(f"not a cop function: {module}.{name}")
            func = getattr(importlib.import_module(module), name)
            if app is None:
                reply = (True, func(*args))
            else:
                with app.app_context():
                    reply = (True, func(*args))
        except Exception as error:
            reply = (False, error)
        _send(replies, reply)


if __name__ == "__main__":
    _serve(sys.argv[1] if len(sys.argv) > 1 else None)
