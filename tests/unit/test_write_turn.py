"""The write turn of one process hands itself over in arrival order, a live event's writes
(`first_in_line`) ahead of the others, and a writer that gives up waiting leaves the turn
to the next (cop/write_turn.py; across processes: tests/faults/test_write_turn.py)."""

import contextlib
import threading
import time

import pytest

from cop.write_turn import WriteTurn, first_in_line

pytestmark = pytest.mark.sqlite  # the turn of SQLite's writers: nothing of PostgreSQL's


def _queued(turn: WriteTurn, first: set[int], count: int = 5) -> list[int]:
    """Writers 0 to count - 1 queue one after another behind a holder (those in `first`
    marked first in line); the order in which they got the turn."""
    assert turn.take(1)
    order, threads = [], []
    for n in range(count):

        def write(n=n):
            with first_in_line() if n in first else contextlib.nullcontext():
                assert turn.take(5)
            order.append(n)
            turn.give()

        threads.append(threading.Thread(target=write))
        threads[-1].start()
        time.sleep(0.05)  # queued one after another
    turn.give()
    for thread in threads:
        thread.join(5)
    return order


def test_writers_get_the_turn_in_the_order_they_asked(tmp_path):
    assert _queued(WriteTurn(str(tmp_path / "cop.sqlite")), first=set()) == [0, 1, 2, 3, 4]


def test_a_live_events_writes_go_ahead_of_the_others(tmp_path):
    """Two live questions queued behind three posts get the turn first, in their order."""
    order = _queued(WriteTurn(str(tmp_path / "cop.sqlite")), first={2, 4})
    assert order == [2, 4, 0, 1, 3]


def test_a_live_write_goes_ahead_of_another_process_writer_that_waited_longer(tmp_path):
    """Three processes: one holds the turn, a post waits for it, then a live question does;
    the question gets it first, and the post right after."""
    database = str(tmp_path / "cop.sqlite")
    holder, post, question = WriteTurn(database), WriteTurn(database), WriteTurn(database)
    assert holder.take(1)
    order: list[str] = []

    def write(turn: WriteTurn, name: str) -> None:
        with first_in_line() if name == "question" else contextlib.nullcontext():
            assert turn.take(5)
        order.append(name)
        time.sleep(0.05)
        turn.give()

    threads = [
        threading.Thread(target=write, args=(turn, name))
        for turn, name in ((post, "post"), (question, "question"))
    ]
    for thread in threads:
        thread.start()
        time.sleep(0.2)  # the post waits on the file lock before the question comes
    holder.give()
    for thread in threads:
        thread.join(5)
    assert order == ["question", "post"]


def test_a_writer_that_gave_up_leaves_the_turn_to_the_next(tmp_path):
    database = str(tmp_path / "cop.sqlite")
    holder, other = WriteTurn(database), WriteTurn(database)  # as two processes would
    assert holder.take(1)
    started = time.monotonic()
    assert not other.take(0.3)  # its thread still waits for the file lock, for nobody
    assert 0.3 <= time.monotonic() - started < 1
    holder.give()
    assert other.take(1)  # the abandoned wait let the lock go again
    other.give()
    assert holder.take(1)
    holder.give()
