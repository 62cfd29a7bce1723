"""`cop run --workers 2` on the embedded default (a redis-server it starts): two page workers
and two for live sockets (cop/handoff.py). Every websocket is held by a live worker, a
question asked through one reaches a client of the other, a deactivation made through a
page worker closes that person's sockets on the live workers, and
one write empties the guest page cache of both page workers. Which worker holds a
connection is read from /proc (Linux). Two `cop run` servers sharing questions through
Redis: tests/sockets/test_served.py."""

import http.client
import json
from pathlib import Path

from tests.conftest import bearer
from tests.servers import NS, CopServer, Recorder, links, worker_roles


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
        if f"socket:[{inode}]" in links(pid):
            return pid
    raise AssertionError("no serving worker holds the connection")


def _token(app, user) -> str:
    return bearer(app, user)["Authorization"].split()[1]


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


def test_two_workers_and_the_live_one_share_events_and_one_write_empties_both_page_caches(
    app, world, live, served_env
):
    server = CopServer(served_env | {"COP_WORKERS": "2"})
    clients: list[Recorder] = []
    try:
        server.wait_ready(timeout=90)
        workers, live_workers = worker_roles(server, each=2)

        # Every websocket is a live worker's, whichever page worker accepted it, and the
        # live workers take them in turn.
        held_by = []
        for name in ("member", "trainee", "member", "trainee"):
            clients.append(Recorder(server.url, _token(app, world.users[name])))
            assert clients[-1].call("join", {"session_id": live})["ok"]
            held_by.append(
                worker_of(clients[-1].client.eio.ws.sock, server, workers + live_workers)
            )
        assert sorted(set(held_by)) == live_workers
        member, trainee = clients[:2]
        asked = member.call("ask", {"session_id": live, "text": "Хто веде бюджет?"})
        trainee.wait_for(
            lambda: asked["question_id"] in {q["id"] for q in trainee.named("question")}
        )

        # Deactivated through a page worker's API, the trainee's sockets on the live workers
        # are closed by the server.
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        headers = {**bearer(app, world.users["admin"]), "Content-Type": "application/json"}
        user_path = f"/api/v1/users/{world.users['trainee'].id}"
        connection.request("PATCH", user_path, json.dumps({"active": False}).encode(), headers)
        assert connection.getresponse().status == 200
        connection.close()
        for recorder in (trainee, clients[3]):
            recorder.wait_for(lambda r=recorder: NS not in r.client.namespaces)

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
