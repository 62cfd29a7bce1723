"""cop.cpu: CPU-heavy calls in worker processes give the same results (renders, mentions,
searches in the worker's own app), survive a killed worker, and leave a gevent process's
event loop free while they run."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from cop import cpu, text
from cop.search import backend
from cop.search.results import MAX_PAGE

POST = "*a **b** _c_* [l](/x) " * 900  # 19,800 characters of dense markup


@pytest.fixture
def pool():
    pool = cpu.Pool(1)
    yield pool
    pool.close()


def test_a_worker_renders_what_the_process_renders(pool):
    for source in (POST, '# Заголовок\n\n```js" x\ncode\n```\n\n[x](javascript:alert(1))'):
        assert pool.run(text._render, source) == text._render(source)


def test_an_error_in_a_worker_is_raised_in_the_caller(pool):
    with pytest.raises(TypeError, match="should be a string"):
        text._render(5)
    with pytest.raises(TypeError, match="should be a string"):
        pool.run(text._render, 5)
    assert pool.run(text._render, "*x*") == "<p><em>x</em></p>\n"


def test_a_killed_worker_is_replaced_and_the_call_still_answered(pool):
    worker = pool._idle.get()
    pool._idle.put(worker)
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.wait()
    assert pool.run(text._render, "*x*") == "<p><em>x</em></p>\n"
    replacement = pool._idle.get()
    pool._idle.put(replacement)
    assert replacement.process.pid != worker.process.pid


def worker_priority(pool: cpu.Pool) -> int:
    """The nice value of the pool's worker, once it has started serving (it lowers its
    priority first thing)."""
    pool.run(text._render, "*x*")
    worker = pool._idle.get()
    pool._idle.put(worker)
    return os.getpriority(os.PRIO_PROCESS, worker.process.pid)


def test_a_worker_runs_below_the_serving_process_by_cop_nice(pool, monkeypatch):
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert worker_priority(pool) == min(own + cpu.NICE, 19)  # the default, COP_NICE unset
    monkeypatch.setenv("COP_NICE", "0")
    level = cpu.Pool(1)
    try:
        assert worker_priority(level) == own
    finally:
        level.close()


def test_a_caller_that_may_wait_so_long_only_is_refused_while_the_workers_are_busy(pool):
    busy = threading.Thread(target=pool.run, args=(text._render, POST * 5))
    busy.start()
    while pool._idle.qsize():  # until the long render has the only worker
        time.sleep(0.001)
    with pytest.raises(cpu.Busy, match="no cpu worker came free within 0.05 s"):
        pool.run(text._render, "*x*", wait=0.05)
    busy.join()
    assert pool.run(text._render, "*x*", wait=0.05) == "<p><em>x</em></p>\n"


def test_without_start_calls_run_in_the_process():
    assert cpu._pool is None
    assert cpu.run(os.getpid) == os.getpid()


# A gevent process like `cop run`'s: a greenlet ticks every millisecond while another
# renders the post; prints how many ticks happened during the render.
DURING_RENDER = """
from gevent import monkey; monkey.patch_all()
import sys, gevent
from cop import cpu, text
from cop.search import backend
if sys.argv[1] == "pool":
    cpu.start(1)
    text.render_markdown("warm-up")
rendering, ticks = True, 0
def tick():
    global ticks
    while rendering:
        gevent.sleep(0.001)
        ticks += 1
ticker = gevent.spawn(tick)
gevent.sleep(0.01)
ticks = 0
text.render_markdown(sys.argv[2])
during, rendering = ticks, False
ticker.join()
cpu.stop()
print(during)
"""


def ticks_during_render(mode: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", DURING_RENDER, mode, POST],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return int(result.stdout)


def test_in_a_server_the_event_loop_runs_while_a_post_renders():
    # In the process itself the render holds the loop: no tick at all until it is done.
    assert ticks_during_render("inline") == 0
    assert ticks_during_render("pool") >= 10


# One cpu worker, busy with a long post: a live question's few words are rendered in the
# process meanwhile, not after the post.
SHORT_WHILE_LONG = """
from gevent import monkey; monkey.patch_all()
import sys, gevent
from cop import cpu, text
cpu.start(1)
text.render_markdown(sys.argv[1])  # the worker has loaded everything
done = []
def long():
    text.render_markdown(sys.argv[1])
    done.append("long")
rendering = gevent.spawn(long)
gevent.sleep(0.005)
text.render_markdown("A *question* from the floor, @olena?")
text.find_mentions("A *question* from the floor, @olena?")
done.append("short")
rendering.join()
cpu.stop()
print(",".join(done))
"""


def test_a_short_text_does_not_wait_behind_a_long_one_in_the_workers():
    result = subprocess.run(
        [sys.executable, "-c", SHORT_WHILE_LONG, POST],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.split() == ["short,long"]


def test_a_worker_finds_the_mentions_the_process_finds(pool):
    source = "@olena і @Petro.Ivanenko\n\n> @quoted\n\n`@code` @olena"
    assert pool.run(text._find_mentions, source) == text._find_mentions(source)
    assert pool.run(text._find_mentions, source) == {"olena", "petro.ivanenko"}


def test_a_worker_with_the_app_searches_and_refuses_in_the_callers_language(app, monkeypatch):
    monkeypatch.setenv("COP_INSTANCE_PATH", app.instance_path)
    monkeypatch.setenv("COP_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    pool = cpu.Pool(1, "cop.wsgi")
    deadline = time.monotonic() + 60  # the slots' (PostgreSQL backend only)
    try:
        outcome, results = pool.run(backend._search_as, None, "en", "громада", {}, False, deadline)
        assert (outcome, results.total, results.hits) == ("ok", 0, [])
        words = " ".join(f"w{i}" for i in range(MAX_PAGE))
        outcome, (message, fields) = pool.run(
            backend._search_as, None, "en", words, {}, False, deadline
        )
        assert outcome == "invalid"
        assert "Too many words" in fields["q"]
    finally:
        pool.close()
