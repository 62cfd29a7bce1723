"""`cop run --workers 2` on the embedded default (a redis-server it starts): a question
asked through one serving worker reaches a client of the other, and one write empties the
guest page cache of both. Which worker holds a connection is read from /proc (Linux)."""

import http.client
import json
import os
import time
from pathlib import Path

from tests.conftest import bearer
from tests.servers import CopServer, Recorder


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def serving_workers(server: CopServer) -> list[int]:
    """gunicorn's workers: the children of `cop run`'s process that run gunicorn."""
    return [
        pid
        for pid in _children(server.process.pid)
        if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def worker_of(connection, server: CopServer, workers: list[int]) -> int:
    """The worker process holding the server's end of a client's TCP connection."""
    client_port = connection.getsockname()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(a.split(":")[1], 16) for a in fields[1:3])
        if local == server.port and remote == client_port:
            inode = fields[9]
    assert inode, "the server's end of the connection is not there"
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError("no serving worker holds the connection")


def _token(app, user) -> str:
    return bearer(app, user)["Authorization"].split()[1]


def _recorder_on_each_worker(server, workers, app, user) -> dict[int, Recorder]:
    """Clients connected until each worker holds one (the kernel hands each connection to
    whichever worker accepts first; a worker still loading the app on a busy machine
    accepts none yet, so the connections are spread over up to 30 s)."""
    placed: dict[int, Recorder] = {}
    deadline = time.monotonic() + 30
    while len(placed) < len(workers) and time.monotonic() < deadline:
        recorder = Recorder(server.url, _token(app, user))
        pid = worker_of(recorder.client.eio.ws.sock, server, workers)
        if pid in placed:
            recorder.close()  # at once: a person may hold only so many sockets
            time.sleep(0.2)
        else:
            placed[pid] = recorder
    assert len(placed) == len(workers), "every connection for 30 s went to one worker"
    return placed


def _guest_get(server, workers, path, headers=None) -> tuple[int, int, bytes, str | None]:
    """(worker, status, body, ETag) of a guest's GET on a connection of its own."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        pid = worker_of(connection.sock, server, workers)
        return pid, response.status, body, response.getheader("ETag")
    finally:
        connection.close()


def _on_each_worker(server, workers, path, headers=None) -> dict[int, tuple]:
    seen: dict[int, tuple] = {}
    for _attempt in range(60):
        pid, *answer = _guest_get(server, workers, path, headers)
        seen.setdefault(pid, tuple(answer))
        if len(seen) == len(workers):
            return seen
    raise AssertionError(f"60 requests reached only {sorted(seen)} of {workers}")


def test_two_workers_share_live_events_and_one_write_empties_both_page_caches(
    app, world, live, served_env
):
    server = CopServer(served_env | {"COP_WORKERS": "2"})
    clients: list[Recorder] = []
    try:
        server.wait_ready(timeout=90)
        workers = serving_workers(server)
        assert len(workers) == 2, workers

        # A question asked through one worker reaches a client of the other.
        members = _recorder_on_each_worker(server, workers, app, world.users["member"])
        clients.extend(members.values())
        first, second = (members[pid] for pid in workers)
        for recorder in (first, second):
            assert recorder.call("join", {"session_id": live})["ok"]
        asked = first.call("ask", {"session_id": live, "text": "Хто веде бюджет?"})
        second.wait_for(lambda: asked["question_id"] in {q["id"] for q in second.named("question")})

        # A guest's page, cached by both workers: each answers a revalidation with a 304.
        path = f"/spaces/{world.spaces['forum_public']}"
        pages = _on_each_worker(server, workers, path)
        etags = {etag for _status, _body, etag in pages.values()}
        assert len(etags) == 1 and None not in etags
        (etag,) = etags
        revalidated = _on_each_worker(server, workers, path, {"If-None-Match": etag})
        assert {status for status, _body, _etag in revalidated.values()} == {304}

        # One write, through the API of whichever worker takes it ...
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        headers = {**bearer(app, world.users["member"]), "Content-Type": "application/json"}
        body = {"title": "Нова тема з іншого воркера", "body": "Як почати?"}
        connection.request("POST", f"/api/v1{path}/discussions", json.dumps(body).encode(), headers)
        assert connection.getresponse().status == 201
        connection.close()

        # ... and both workers render the page afresh, with the new discussion in it.
        fresh = _on_each_worker(server, workers, path, {"If-None-Match": etag})
        for status, page, _etag in fresh.values():
            assert status == 200 and "Нова тема з іншого воркера" in page.decode()
    finally:
        for recorder in clients:
            recorder.close()
        server.stop()
