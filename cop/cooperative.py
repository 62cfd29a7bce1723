"""Long work in a serving process lets the event loop in between its steps.

Under gevent a greenlet runs until it waits for I/O. Rendering a forum page again after a
write is 15–30 ms of CPU with no I/O on SQLite (its reads block instead of waiting), and
the sockets of a webinar on the same process wait for all of it at each hop of a live
event (reading the ask, the other processes' delivery). Under the head-of-line bench's
heavy clients each serving worker had 86–148 turns of over 20 ms of page work in 20 s;
with this, 15–18 (docs/benchmarks.md, "Session 14").

`cooperate()`, called between the steps of such work (template output, SQLite reads),
gives the loop a turn when the current turn has run longer than SLICE: the loop looks at
its sockets, and what was ready runs before the work goes on. Its cost when the turn is
short is one clock read. Elsewhere (threads, commands, tests) it does nothing, and in a
live event's handler (`urgent`) neither: it is the work the others let in.
"""

import contextlib
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar

import jinja2

# The longest a turn of the loop runs before work that calls `cooperate()` lets others in.
SLICE = 0.003
# Template output comes in many small pieces: the clock is read once per this many.
PIECES = 64

# Set for a live event's work (greenlets and threads each have their own): it is short and
# a webinar waits for it, so it never lets others in first.
_URGENT: ContextVar[bool] = ContextVar("cop_cooperative_urgent", default=False)


@contextlib.contextmanager
def urgent() -> Iterator[None]:
    """The work inside keeps the loop until it is done (`cooperate` does nothing)."""
    token = _URGENT.set(True)
    try:
        yield
    finally:
        _URGENT.reset(token)


def gevent_patched() -> bool:
    """Whether gevent has patched this process (a serving worker of `cop run`)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("socket")


def _hub():
    """gevent's hub of this thread where gevent has patched the process, else None."""
    if not gevent_patched():
        return None
    import gevent  # noqa: PLC0415

    return gevent.get_hub()


def cooperate() -> None:
    """Give the event loop a turn if the current one has run longer than SLICE (the
    loop's clock is read once per turn, when it has looked at its sockets)."""
    hub = _hub()
    if hub is not None and not _URGENT.get() and time.time() - hub.loop.now() > SLICE:
        import gevent  # noqa: PLC0415

        gevent.sleep(0)


class CooperativeTemplate(jinja2.Template):
    """A template whose rendering lets the loop in every SLICE (`cooperate`)."""

    def render(self, *args, **kwargs) -> str:
        if _hub() is None:
            return super().render(*args, **kwargs)
        context = self.new_context(dict(*args, **kwargs))
        try:
            return self.environment.concat(_cooperating(self.root_render_func(context)))
        except Exception:
            self.environment.handle_exception()


def _cooperating(pieces):
    for n, piece in enumerate(pieces):
        if n % PIECES == 0:
            cooperate()
        yield piece
