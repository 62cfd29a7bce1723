"""The write turn of one process hands itself over in arrival order, and a writer that
gives up waiting leaves the turn to the next (cop/write_turn.py; across processes:
tests/faults/test_write_turn.py)."""

import threading
import time

from cop.write_turn import WriteTurn


def test_writers_get_the_turn_in_the_order_they_asked(tmp_path):
    turn = WriteTurn(str(tmp_path / "cop.sqlite"))
    assert turn.take(1)
    order, threads = [], []
    for n in range(5):

        def write(n=n):
            assert turn.take(5)
            order.append(n)
            turn.give()

        threads.append(threading.Thread(target=write))
        threads[-1].start()
        time.sleep(0.05)  # queued one after another
    turn.give()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]


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
