"""`cop run` with several workers: the page workers hand new websockets to a worker of their
own (cop/handoff.py), so a webinar goes on whatever the page workers are doing."""

import os
import signal
import urllib.request

from tests.conftest import bearer
from tests.servers import CopServer, Recorder, stop_all, worker_roles


def _ask(recorder: Recorder, live: int, text: str) -> int:
    return recorder.call("ask", {"session_id": live, "text": text})["question_id"]


def _asked(recorder: Recorder) -> set[int]:
    return {question["id"] for question in recorder.named("question")}


def test_webinar_goes_on_while_every_page_worker_is_stopped(app, world, live, served_env):
    server = CopServer(served_env | {"COP_WORKERS": "2"})
    clients: list[Recorder] = []
    pages: list[int] = []
    try:
        server.wait_ready()
        pages, _live_workers = worker_roles(server, each=2)
        for name in ("member", "expert"):
            token = bearer(app, world.users[name])["Authorization"].split()[1]
            clients.append(Recorder(server.url, token))
            assert clients[-1].call("join", {"session_id": live})["ok"]
        member, expert = clients

        for pid in pages:  # as if each were stuck in a long render
            os.kill(pid, signal.SIGSTOP)
        asked = _ask(member, live, "Коли бюджет?")
        expert.wait_for(lambda: asked in _asked(expert))
    finally:
        for pid in pages:
            os.kill(pid, signal.SIGCONT)
        for recorder in clients:
            recorder.close()
        stop_all([server])


def test_live_workers_that_die_are_replaced_and_take_new_sockets(app, world, live, served_env):
    server = CopServer(served_env | {"COP_WORKERS": "2"})
    clients: list[Recorder] = []
    try:
        server.wait_ready()
        _pages, before = worker_roles(server, each=2)
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        # Connected at once: the socket waits for the replacement instead of failing.
        for name in ("member", "expert"):
            token = bearer(app, world.users[name])["Authorization"].split()[1]
            clients.append(Recorder(server.url, token))
            assert clients[-1].call("join", {"session_id": live})["ok"]
        member, expert = clients
        asked = _ask(member, live, "Після перезапуску")
        expert.wait_for(lambda: asked in _asked(expert))
        _pages, after = worker_roles(server, each=2)
        assert not set(after) & set(before)
        with urllib.request.urlopen(f"{server.url}/login", timeout=10) as response:
            assert response.status == 200
    finally:
        for recorder in clients:
            recorder.close()
        stop_all([server])
