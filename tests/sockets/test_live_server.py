"""The `/live` namespace on a real server, with python-socketio's own client (HTTP long
polling and websocket, as other programs would connect)."""

import threading
import time

import pytest
import socketio as sio
from werkzeug.serving import make_server

from tests.conftest import bearer
from tests.live_fixtures import NS


@pytest.fixture
def app_config():
    return {"COP_LIVE_BROADCAST_WINDOW": 0.2}  # votes and presence sent by a task, as served


@pytest.fixture
def server_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


class Recorder:
    """A python-socketio client that keeps what it receives."""

    def __init__(self):
        self.client = sio.Client(reconnection=False)
        self.events: list[tuple[str, object]] = []
        self.client.on("*", self._record, namespace=NS)
        self.client.on("connect_error", self._refused, namespace=NS)

    def _record(self, event, data):
        self.events.append((event, data))

    def _refused(self, data):
        self.events.append(("connect_error", data))

    def named(self, event: str) -> list:
        return [data for name, data in self.events if name == event]

    def wait_for(self, predicate, timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        raise AssertionError(f"timed out; received {self.events}")


def token(app, user) -> str:
    return bearer(app, user)["Authorization"].split()[1]


def test_refused_connect_says_why_and_sends_nothing_else(server_url, live):
    guest = Recorder()
    with pytest.raises(sio.exceptions.ConnectionError):
        guest.client.connect(server_url, namespaces=[NS], auth={"token": "cop_wrong"})
    message = "Спершу увійдіть."
    error = {"message": message, "data": {"code": "unauthenticated", "message": message}}
    assert guest.events == [("connect_error", error)]


def test_questions_and_votes_reach_clients_of_a_real_server(app, server_url, world, live):
    people = ["member", "outsider", "trainee", "expert"]
    clients = {name: Recorder() for name in people}
    for name, recorder in clients.items():
        recorder.client.connect(
            server_url,
            namespaces=[NS],
            auth={"token": token(app, world.users[name])},
            transports=["websocket"] if name != "trainee" else ["polling"],
        )
        recorder.client.emit("join", {"session_id": live}, namespace=NS)
        recorder.wait_for(lambda r=recorder: r.named("state"))
    try:
        asker = clients["member"]
        ack = asker.client.call(
            "ask", {"session_id": live, "text": "Як рахувати показники?"}, namespace=NS
        )
        for recorder in clients.values():
            recorder.wait_for(lambda r=recorder: r.named("question"))
        for name in ("outsider", "trainee", "expert"):
            clients[name].client.emit("vote", {"question_id": ack["question_id"]}, namespace=NS)
        key = str(ack["question_id"])
        asker.wait_for(lambda: any(v["votes"].get(key) == 3 for v in asker.named("votes")))
        # the first count goes out at once; votes that come while a round is being written
        # go out together: never more `votes` events than votes, and the last one right
        counts = [v["votes"][key] for v in asker.named("votes")]
        assert len(counts) <= 3 and counts == sorted(counts)
        assert counts[-1] == 3
    finally:
        for recorder in clients.values():
            recorder.client.disconnect()
        # let the coalescing task finish before the app (and its database) goes away
        pending = app.extensions.get("cop_live_pending")
        deadline = time.monotonic() + 5
        while pending is not None and pending.running and time.monotonic() < deadline:
            time.sleep(0.05)
