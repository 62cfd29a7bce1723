"""Several processes writing to one SQLite file at once take turns (cop/write_turn.py): two
`cop` processes writing back to back, each holding its write for 50 ms and starting the
next at once, do not starve the writes of a `cop run` beside them (before, the server's
writes polled for the lock, lost the race after every commit and got 503s after 2 s). A
turn held past the bound still answers 503 with its message, and writes nothing."""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from tests.faults.conftest import assert_unavailable, call, sqlite_site
from tests.servers import CopServer

# A cop process (the app as `cop worker` builds it) writing for `seconds`, in transactions
# that each hold the write for `hold` seconds and follow each other with no pause.
WRITER = """
import sys, time
from cop import create_app
from cop.extensions import db
seconds, hold = float(sys.argv[1]), float(sys.argv[2])
app = create_app()
with app.app_context():
    print("ready", flush=True)
    end, done = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE space SET description = ?", (str(done),))
            time.sleep(hold)
        done += 1
    print(done, flush=True)
"""


class Writer:
    def __init__(self, env: dict, seconds: float, hold: float):
        self.process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(seconds), str(hold)],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready"

    def done(self) -> int:
        out, _ = self.process.communicate(timeout=60)
        return int(out.strip())

    def stop(self) -> None:
        self.process.kill()
        self.process.communicate()


def test_writers_of_several_processes_take_turns(sqlite_template, tmp_path):
    site = sqlite_site(tmp_path, sqlite_template)
    server = CopServer(site.served_env())
    writers = []
    try:
        server.wait_ready()
        discussions = f"{server.url}/api/v1/spaces/{site.forum}/discussions"
        writers = [Writer(site.served_env(), seconds=8, hold=0.05) for _ in range(2)]
        started = time.monotonic()
        with ThreadPoolExecutor(6) as pool:
            answers = list(
                pool.map(
                    lambda n: call(
                        discussions, "POST", site.token, {"title": f"Тема {n}", "body": "Так."}
                    ),
                    range(30),
                )
            )
        assert [a.status for a in answers] == [201] * 30, [a.body[:200] for a in answers]
        assert time.monotonic() - started < 8, "the writers stopped before the posts were done"
        # The other processes were not starved either: each wrote all along.
        assert all(w.done() > 20 for w in writers)
        assert call(discussions, token=site.token).json()["total"] == 30
    finally:
        for writer in writers:
            writer.stop()
        server.stop()


def test_a_turn_held_past_the_bound_is_a_503_and_writes_nothing(sqlite_template, tmp_path):
    site = sqlite_site(tmp_path, sqlite_template)
    server = CopServer(site.served_env())
    writer = None
    try:
        server.wait_ready()
        discussions = f"{server.url}/api/v1/spaces/{site.forum}/discussions"
        assert call(discussions, token=site.token).status == 200  # the token's last use noted
        writer = Writer(site.served_env(), seconds=0.1, hold=5)  # one write of 5 s
        time.sleep(0.1)  # it has its turn now
        answer = call(discussions, "POST", site.token, {"title": "Бюджет", "body": "Так."})
        assert_unavailable(answer)
        assert 1.5 < answer.seconds < 3.5, answer.seconds
        assert call(discussions, token=site.token).json()["total"] == 0  # nothing half-written
        assert writer.done() == 1
        assert (
            call(discussions, "POST", site.token, {"title": "Бюджет", "body": "Так."}).status == 201
        )
    finally:
        if writer is not None:
            writer.stop()
        server.stop()
