"""Another process holds the SQLite file's write lock for 10 s under a running `cop run`:
reads keep answering, a write gets its 503 after about 2 s, and the gevent worker never
stops (before, every request and socket froze for the whole 10 s, then got a 500)."""

import time
from concurrent.futures import ThreadPoolExecutor

from tests.faults.conftest import assert_unavailable, call, sqlite_site
from tests.faults.infra import WriteLock
from tests.servers import CopServer, Recorder

LOCK_SECONDS = 10


def test_a_write_lock_held_elsewhere_never_freezes_the_server(sqlite_template, tmp_path):
    site = sqlite_site(tmp_path, sqlite_template)
    server = CopServer(site.served_env())
    socket = None
    try:
        server.wait_ready()
        discussions = f"{server.url}/api/v1/spaces/{site.forum}/discussions"
        new = {"title": "Бюджет участі", "body": "Що з ним?"}
        assert call(discussions, "POST", site.token, new).status == 201
        socket = Recorder(server.url, site.token)

        lock = WriteLock(tmp_path / "cop.sqlite", LOCK_SECONDS)
        with ThreadPoolExecutor(4) as pool:
            writes = [pool.submit(call, discussions, "POST", site.token, new) for _ in range(3)]
            time.sleep(0.2)  # the writes are waiting for the lock now
            reads, socket_calls = [], []
            while not all(w.done() for w in writes):
                reads.append(call(discussions, token=site.token))
                started = time.monotonic()
                answer = socket.call("join", {"session_id": 10**6})
                socket_calls.append((answer, time.monotonic() - started))
            writes = [w.result() for w in writes]
        assert time.monotonic() - lock.taken < LOCK_SECONDS, "the test outlived the lock"

        for write in writes:
            assert_unavailable(write)
            assert 1.5 < write.seconds < 3.5, write.seconds
        assert len(reads) > 5
        for read in reads:
            assert read.status == 200
            assert read.json()["total"] == 1
            assert read.seconds < 0.5, read.seconds
        for answer, seconds in socket_calls:  # the socket answers while writes wait
            assert answer == {"ok": False}
            assert seconds < 0.5, seconds
        assert socket.named("error")[-1]["code"] == "not_found"

        lock.wait()
        assert call(discussions, "POST", site.token, new).status == 201
        assert call(discussions, token=site.token).json()["total"] == 2
    finally:
        if socket is not None:
            socket.close()
        server.stop()
