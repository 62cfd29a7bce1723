"""The live namespace as production serves it: `cop run` (gunicorn, one gevent-websocket
worker) and, with COP_MESSAGE_QUEUE, two such processes sharing events through Redis."""

import json
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import bearer
from tests.servers import NS, CopServer, Recorder, RedisServer, stop_all


def _token(app, user) -> str:
    return bearer(app, user)["Authorization"].split()[1]


def _patch(url: str, path: str, body: dict, headers: dict) -> None:
    """A PATCH through the API of one served process."""
    headers = {**headers, "Content-Type": "application/json"}
    request = urllib.request.Request(
        url + path, data=json.dumps(body).encode(), headers=headers, method="PATCH"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _question_ids(recorder: Recorder) -> Counter:
    return Counter(q["id"] for q in recorder.named("question"))


def _latest_votes(recorder: Recorder) -> dict[int, int]:
    """The counts a client shows: for each question, the one with the highest sequence
    number (counts read by two processes may arrive in either order)."""
    latest: dict[int, tuple[int, int]] = {}
    for event in recorder.named("votes"):
        for qid, count in event["votes"].items():
            seq = event["votes_seq"][qid]
            if seq > latest.get(int(qid), (-1, 0))[0]:
                latest[int(qid)] = (seq, count)
    return {qid: count for qid, (_seq, count) in latest.items()}


def test_cop_run_serves_live_over_websockets(app, world, live, served_env):
    # One worker: a client on long-polling needs all its requests in one process
    # (docs/serving.md, "The balancer").
    server = CopServer(served_env | {"COP_WORKERS": "1"})
    clients = []
    try:
        server.wait_ready()
        member = Recorder(server.url, _token(app, world.users["member"]))
        clients.append(member)
        assert member.client.transport() == "websocket"
        # A browser whose websocket failed falls back to long-polling; the server must let
        # it upgrade later (a mismatched gevent worker keeps it on polling for good).
        expert = Recorder(
            server.url, _token(app, world.users["expert"]), transports=("polling", "websocket")
        )
        clients.append(expert)
        expert.wait_for(lambda: expert.client.transport() == "websocket")
        for recorder in clients:
            assert recorder.call("join", {"session_id": live})["ok"]
        asked = member.call("ask", {"session_id": live, "text": "Коли бюджет?"})
        expert.wait_for(lambda: asked["question_id"] in _question_ids(expert))
        [question] = expert.named("question")
        assert question["text"] == "Коли бюджет?"
    finally:
        for recorder in clients:
            recorder.close()
        server.stop()


def test_two_processes_share_questions_and_votes_through_redis(app, world, live, served_env):
    redis = RedisServer()
    servers = [CopServer({**served_env, "COP_MESSAGE_QUEUE": redis.url}) for _ in range(2)]
    clients: dict[str, Recorder] = {}
    try:
        for server in servers:
            server.wait_ready(timeout=90)
        first, second = servers
        placement = {
            "member": first,
            "outsider": first,
            "trainee": second,
            "other_expert": second,
            "expert": second,  # the host: sees everything, on the other process
        }
        batched = {"outsider", "other_expert", "expert"}  # the others take events one by one
        for name, server in placement.items():
            clients[name] = Recorder(server.url, _token(app, world.users[name]))
            join = {"session_id": live, "batch": name in batched}
            assert clients[name].call("join", join)["ok"]
        everyone = list(clients.values())

        # One question asked on the first process reaches every client of both.
        asked = clients["member"].call("ask", {"session_id": live, "text": "Перше питання"})
        for recorder in everyone:
            recorder.wait_for(lambda r=recorder: asked["question_id"] in _question_ids(r))

        # A burst from both processes at once: every question everywhere, exactly once.
        askers = ["member", "outsider", "trainee", "other_expert"]

        def burst(name: str) -> list[int]:
            recorder = clients[name]
            return [
                recorder.call("ask", {"session_id": live, "text": f"{name}: питання {i}"})[
                    "question_id"
                ]
                for i in range(10)
            ]

        with ThreadPoolExecutor(len(askers)) as pool:
            burst_ids = [qid for ids in pool.map(burst, askers) for qid in ids]
        expected = {asked["question_id"], *burst_ids}
        assert len(expected) == 41
        for recorder in everyone:
            recorder.wait_for(lambda r=recorder: set(_question_ids(r)) >= expected)
            assert set(_question_ids(recorder).values()) == {1}, "a question came twice"
        assert {name for name, r in clients.items() if r.batches} == batched

        # Votes cast on both processes at once (one of them twice) add up once each.
        voted = burst_ids[:5]

        def vote_all(name: str) -> None:
            for qid in voted:
                assert clients[name].call("vote", {"question_id": qid})["ok"]
            clients[name].call("vote", {"question_id": voted[0]})

        with ThreadPoolExecutor(len(askers)) as pool:
            list(pool.map(vote_all, askers))
        for recorder in everyone:
            recorder.wait_for(lambda r=recorder: all(_latest_votes(r).get(q) == 4 for q in voted))
        clients["trainee"].call("unvote", {"question_id": voted[0]})
        for recorder in everyone:
            recorder.wait_for(lambda r=recorder: _latest_votes(r).get(voted[0]) == 3)

        # A client that joins afterwards, on either process, gets the same counts.
        late = Recorder(first.url, _token(app, world.users["space_moderator"]))
        clients["late"] = late
        late.call("join", {"session_id": live})
        late.wait_for(lambda: late.named("state"))
        [state] = late.named("state")
        counts = {q["id"]: q["votes"] for q in state["questions"]}
        assert [counts[q] for q in voted] == [3, 4, 4, 4, 4]
        assert set(counts) >= expected

        # Deactivated through the first process, the trainee's socket on the second one is
        # closed by the server, not left to the client's goodwill.
        trainee = clients["trainee"]
        admin = bearer(app, world.users["admin"])
        _patch(first.url, f"/api/v1/users/{world.users['trainee'].id}", {"active": False}, admin)
        trainee.wait_for(lambda: NS not in trainee.client.namespaces)
        assert [e["code"] for e in trainee.named("error")] == ["signed_out"]
        asked = clients["member"].call("ask", {"session_id": live, "text": "Після"})
        clients["expert"].wait_for(lambda: asked["question_id"] in _question_ids(clients["expert"]))
        assert asked["question_id"] not in _question_ids(trainee)
    finally:
        for recorder in clients.values():
            recorder.close()
        stop_all(servers)
        redis.stop()


def test_presence_counts_the_sockets_of_every_process(app, world, live, served_env):
    """Each process holds only its own sockets; the count everyone sees is the session's,
    not the half on the process that sent it."""
    redis = RedisServer()
    servers = [CopServer({**served_env, "COP_MESSAGE_QUEUE": redis.url}) for _ in range(2)]
    clients: list[Recorder] = []
    try:
        for server in servers:
            server.wait_ready(timeout=90)
        first, second = servers

        def arrive(name: str, server: CopServer) -> Recorder:
            recorder = Recorder(server.url, _token(app, world.users[name]))
            clients.append(recorder)
            assert recorder.call("join", {"session_id": live})["ok"]
            return recorder

        def shown(recorder: Recorder) -> int | None:
            counts = [event["count"] for event in recorder.named("presence")]
            return counts[-1] if counts else None

        member, outsider = arrive("member", first), arrive("outsider", first)
        trainee = arrive("trainee", second)
        for recorder in (member, outsider, trainee):
            recorder.wait_for(lambda r=recorder: shown(r) == 3)
        # A worker's first socket may come before it has heard the others' counts: its
        # snapshot may count its own, and the next presence round the whole session's.
        expert = arrive("expert", second)
        for recorder in (member, outsider, trainee, expert):
            recorder.wait_for(lambda r=recorder: shown(r) == 4)
        outsider.close()
        for recorder in (member, trainee, expert):
            recorder.wait_for(lambda r=recorder: shown(r) == 3)
    finally:
        for recorder in clients:
            recorder.close()
        stop_all(servers)
        redis.stop()
