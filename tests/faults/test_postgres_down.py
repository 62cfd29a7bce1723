"""PostgreSQL stopped under a running `cop run` and started again: 503s while it is down,
service again within a second of it answering, and no restart of cop."""

import time

import pytest
import socketio

from tests.faults.conftest import assert_unavailable, call, prepare
from tests.servers import NS, CopServer, Recorder


def test_a_stopped_database_gets_503_and_service_resumes_within_a_second(postgres, tmp_path):
    site = prepare(tmp_path, postgres.url)
    server = CopServer(site.served_env())
    socket = None
    try:
        server.wait_ready()
        discussions = f"{server.url}/api/v1/spaces/{site.forum}/discussions"
        assert call(discussions, token=site.token).status == 200
        socket = Recorder(server.url, site.token)

        postgres.stop()
        # A socket event gets the documented error, and the connection stays.
        # Nothing was done: the answer says when to try again.
        assert socket.call("join", {"session_id": 1}) == {"ok": False, "retry_after": 5}
        assert socket.named("error")[-1]["code"] == "unavailable"
        refusals = []
        newcomer = socketio.Client(reconnection=False)
        newcomer.on("connect_error", refusals.append, namespace=NS)
        with pytest.raises(socketio.exceptions.ConnectionError):
            newcomer.connect(  # as browsers do: several workers serve no polling session
                server.url, namespaces=[NS], auth={"token": site.token}, transports=["websocket"]
            )
        assert refusals[0]["data"]["code"] == "unavailable"
        assert_unavailable(call(discussions, token=site.token))
        new = {"title": "Бюджет участі", "body": "Що з ним?"}
        assert_unavailable(call(discussions, "POST", site.token, new))
        page = call(f"{server.url}/spaces/{site.forum}")
        assert page.status == 503
        assert page.headers["Content-Type"].startswith("text/html")
        assert "Спробуйте" in page.body.decode()
        # A page that does not exist: a guest's error page needs no database; a signed-in
        # person's menu would, so they get the 503 rather than a failing error page.
        assert call(f"{server.url}/no-such-page").status == 404
        assert call(f"{server.url}/no-such-page", token=site.token).status == 503

        postgres.start()
        back = time.monotonic()
        while (answer := call(discussions, token=site.token)).status != 200:
            assert_unavailable(answer)
            assert time.monotonic() - back < 1, "still 503 a second after PostgreSQL came back"
        assert call(discussions, "POST", site.token, new).status == 201
        assert socket.call("join", {"session_id": 1}) == {"ok": False}
        assert socket.named("error")[-1]["code"] == "not_found"
    finally:
        if socket is not None:
            socket.close()
        server.process.terminate()
        log = server.process.communicate(timeout=20)[0].decode()
    # The operator's view: one line for the cause, not a traceback per request or pass.
    assert "WARNING in faults: 503 down, " in log
    assert "Traceback" not in log
