"""SQLite's writers take turns, in the order they arrive, across every process on the file.

SQLite lets one transaction write at a time. Left to its own lock, a refused writer polls
(cop/sqlite.py sleeps between tries): whoever happens to try just after a commit wins,
so under steady writes one writer can be refused until its bound passes while later ones
go ahead. Here a writer queues instead: first behind the other writers of its process
(a FIFO hand-over), then, as the head of that queue, on an exclusive `flock` of a file
beside the database (`<database>-writer`), which the kernel gives to one of the processes
waiting for it as each holder lets go. The wait blocks a real thread, never the gevent
loop. A process takes a free lock at once only when no other process is waiting (they
hold a shared lock on `<database>-waiting` meanwhile); else it waits beside them, so a
busy process cannot take the lock again and again ahead of the others.

Live events go first (`first_in_line`): a question or a vote is one short row, and a
webinar's hundred listeners wait for it, while a 20,000-character post's transaction
held the turn for 12 ms at p50 and up to 68 ms under the head-of-line bench's posters.
Within a process, writers marked first are handed the turn before the others, among
themselves in arrival order. Across processes (the live workers are processes of their
own, cop/handoff.py), a live writer waiting for the file lock holds a shared lock on
`<database>-urgent`; a writer of another kind waits until nobody holds it before it asks
for the file lock, and lets the file lock go again if one came while it waited, so a
question waits for at most the transaction under way.

A turn is bounded: a writer that has not got it within the bound gives up (its request
gets the 503 of cop/faults.py); a thread still waiting on the kernel's lock for it lets
the lock go again as soon as it gets it. A process that dies lets its locks go with it."""

import contextlib
import fcntl
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar

# Set for the writes of a live event (greenlets and threads each have their own).
_FIRST: ContextVar[bool] = ContextVar("cop_write_turn_first", default=False)


@contextlib.contextmanager
def first_in_line() -> Iterator[None]:
    """The writes made inside go ahead of this process's other waiting writers."""
    token = _FIRST.set(True)
    try:
        yield
    finally:
        _FIRST.reset(token)


def _native_lock():
    """A lock that is a real OS lock even where gevent has patched `threading` (held for
    microseconds, between a thread and the loop)."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover (gevent is a dependency)
        return threading.Lock()
    return monkey.get_original("_thread", "allocate_lock")()


def _in_a_thread(call: Callable[[], None]) -> Callable[[float], bool]:
    """Starts `call` in a real thread; returns `wait(timeout) -> finished`, which under
    gevent yields to the other greenlets while it waits."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover
        monkey = None
    if monkey is not None and monkey.is_module_patched("threading"):
        import gevent

        result = gevent.get_hub().threadpool.spawn(call)

        def wait(timeout: float) -> bool:
            try:
                result.get(timeout=max(timeout, 0))
            except gevent.Timeout:
                return False
            return True

        return wait
    done = threading.Event()

    def run() -> None:
        try:
            call()
        finally:
            done.set()

    threading.Thread(target=run, daemon=True, name="cop-write-turn").start()
    return lambda timeout: done.wait(max(timeout, 0))


class _Queue:
    """The writers of one process, handed the turn one after another in arrival order,
    those marked first (`first_in_line`) before the others."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._first: deque[threading.Event] = deque()
        self._waiting: deque[threading.Event] = deque()
        self._held = False

    def take(self, timeout: float) -> bool:
        line = self._first if _FIRST.get() else self._waiting
        with self._guard:
            if not self._held:
                self._held = True
                return True
            handed = threading.Event()
            line.append(handed)
        if handed.wait(max(timeout, 0)):
            return True
        with self._guard:
            if handed.is_set():  # handed over just as the wait ran out
                return True
            line.remove(handed)
            return False

    def give(self) -> None:
        with self._guard:
            line = self._first or self._waiting
            if line:
                line.popleft().set()  # the next writer has it now
            else:
                self._held = False


class _Claim:
    """A blocking `flock` in a thread, given up by the writer it was for when its bound
    passes; whoever comes second (the thread getting the lock, the writer giving up)
    decides, under a real lock. While it waits it holds a shared lock on the waiting file."""

    def __init__(self, fd: int, waiting: int, urgent: int, first: bool) -> None:
        self.fd, self.waiting, self.urgent, self.first = fd, waiting, urgent, first
        self._guard = _native_lock()
        self._taken = self._abandoned = False

    def block(self) -> None:
        try:
            fcntl.flock(self.waiting, fcntl.LOCK_SH)
            while True:
                if not self.first:  # after the live writers waiting
                    fcntl.flock(self.urgent, fcntl.LOCK_EX)
                    fcntl.flock(self.urgent, fcntl.LOCK_UN)
                fcntl.flock(self.fd, fcntl.LOCK_EX)
                if self.first or not _held(self.urgent, fcntl.LOCK_EX):
                    break
                fcntl.flock(self.fd, fcntl.LOCK_UN)  # one came meanwhile: it goes first
            locked = True
        except OSError:
            locked = False
        finally:
            os.close(self.waiting)
            os.close(self.urgent)  # a live writer's shared lock goes with it
        with self._guard:
            if self._abandoned or not locked:
                os.close(self.fd)  # nobody wants it any more: let the next process have it
                self._abandoned = True
            else:
                self._taken = True

    def give_up(self) -> bool:
        """True if given up; False if the lock came just in time (the caller has it)."""
        with self._guard:
            if self._taken:
                return False
            self._abandoned = True
            return True


class WriteTurn:
    """The turn to write to one SQLite file: `take(timeout)` then `give()`, from any
    thread or greenlet of any process. `database` None (in memory): this process only."""

    def __init__(self, database: str | None) -> None:
        self.path = f"{database}-writer" if database else None
        self.waiting = f"{database}-waiting" if database else None
        self.urgent = f"{database}-urgent" if database else None
        self._queue = _Queue()
        self._fd: int | None = None

    def take(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self._queue.take(timeout):
            return False
        if self.path is None:
            return True
        try:
            fd = self._flock(deadline)
        except BaseException:
            self._queue.give()
            raise
        if fd is None:
            self._queue.give()
            return False
        self._fd = fd
        return True

    def give(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the file lets the flock go
        self._queue.give()

    def _flock(self, deadline: float) -> int | None:
        first = _FIRST.get()
        fds: list[int] = []
        try:
            for path in (self.path, self.waiting, self.urgent):
                fds.append(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        except BaseException:
            for opened in fds:
                os.close(opened)
            raise
        fd, waiting, urgent = fds
        if first:  # says so to the other processes' writers (refused only while one looks)
            with contextlib.suppress(BlockingIOError):
                fcntl.flock(urgent, fcntl.LOCK_SH | fcntl.LOCK_NB)
        # Nobody else waits, and no live writer if this is not one: take it if free.
        if not _held(waiting, fcntl.LOCK_EX) and (first or not _held(urgent, fcntl.LOCK_EX)):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.close(waiting)
                os.close(urgent)
                return fd
            except BlockingIOError:
                pass
        claim = _Claim(fd, waiting, urgent, first)
        _in_a_thread(claim.block)(deadline - time.monotonic())
        return None if claim.give_up() else fd  # else it came, in time or just as it ran out


def _held(fd: int, mode: int) -> bool:
    """Whether another open file holds a lock on this file that conflicts with `mode`."""
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False
