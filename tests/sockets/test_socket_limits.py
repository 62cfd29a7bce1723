"""Limits on the live socket: concurrent connections per person, across processes through
the rate-limit storage; and the presenter view's anonymity."""

import time

import pytest
import socketio as sio

from tests.conftest import bearer
from tests.live_fixtures import NS
from tests.servers import CopServer, Recorder, RedisServer, stop_all
from tests.sockets.conftest import events, join


@pytest.fixture
def app_config():
    return {"COP_SOCKETS_PER_USER": 2}


def test_connections_per_person_are_capped(app, world, connect):
    first, second = connect("member"), connect("member")
    assert first.is_connected(NS) and second.is_connected(NS)
    third = connect("member")
    assert not third.is_connected(NS)
    assert connect("expert").is_connected(NS)  # another person is not held back
    first.disconnect(namespace=NS)
    assert connect("member").is_connected(NS)


def test_the_presenter_view_names_no_anonymous_asker_even_to_hosts(app, world, connect, live):
    member = connect("member")
    join(member, live)
    member.emit("ask", {"session_id": live, "text": "Анонімно?", "anonymous": True}, namespace=NS)
    member.emit("ask", {"session_id": live, "text": "Відкрито"}, namespace=NS)
    host = connect("expert")
    assert {q["author"]["name"] for q in join(host, live)["questions"]} == {"member"}
    projector = connect("expert")
    projector.emit("join", {"session_id": live, "view": "present"}, namespace=NS)
    [state] = events(projector, "state")
    shown = {q["text"]: q["author"] for q in state["questions"]}
    assert shown == {
        "Анонімно?": None,
        "Відкрито": {"id": world.users["member"].id, "name": "member"},
    }
    assert not state["me"]["moderates"]
    member.emit("ask", {"session_id": live, "text": "Ще анонімно", "anonymous": True}, namespace=NS)
    pushed = [q for q in events(projector, "question") if q["text"] == "Ще анонімно"]
    assert [q["author"] for q in pushed] == [None]
    assert "member" not in str(projector.get_received(NS))


def _refusal(url: str, token: str) -> dict:
    client = sio.Client(reconnection=False)
    refusals = []
    client.on("connect_error", refusals.append, namespace=NS)
    with pytest.raises(sio.exceptions.ConnectionError):
        client.connect(url, namespaces=[NS], auth={"token": token}, transports=["websocket"])
    [refusal] = refusals
    return refusal


def _connect_soon(url: str, token: str) -> Recorder:
    """The server counts a disconnect a moment after the client has left."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return Recorder(url, token)
        except sio.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "the closed connection was never uncounted"
            time.sleep(0.1)


def test_the_connection_cap_holds_across_processes_sharing_redis(app, world, live):
    redis = RedisServer()
    env = {
        "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COP_INSTANCE_PATH": app.instance_path,
        "COP_SECRET_KEY": app.config["SECRET_KEY"],
        "COP_MESSAGE_QUEUE": redis.url,
        "COP_RATELIMIT_STORAGE_URI": redis.url,
        "COP_SOCKETS_PER_USER": "2",
    }
    servers = [CopServer(env) for _ in range(2)]
    token = bearer(app, world.users["member"])["Authorization"].split()[1]
    open_ = []
    try:
        for server in servers:
            server.wait_ready(timeout=90)
        first, second = servers
        open_ += [Recorder(first.url, token), Recorder(first.url, token)]
        refusal = _refusal(second.url, token)
        assert refusal["data"]["code"] == "rate_limited"
        assert "Забагато відкритих з’єднань" in refusal["data"]["message"]
        open_.pop().close()
        open_.append(_connect_soon(second.url, token))  # a closed one frees its place
    finally:
        for recorder in open_:
            recorder.close()
        stop_all(servers)
        redis.stop()
