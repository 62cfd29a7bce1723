"""A join racing the questions being asked, on a served `cop run`: a client that follows
docs/live-protocol.md ("Joining and reconnecting") ends with every question, whichever
came first, the `question` event or the `state` snapshot read without it."""

import time
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import bearer
from tests.live_fixtures import ask_many
from tests.servers import CopServer, Recorder

ASKERS = ("member", "trainee", "expert")
QUESTIONS_EACH = 25
JOINERS = 60
JOINER_PEOPLE = ("outsider", "other_expert", "space_moderator", "admin")


def shown(recorder: Recorder) -> set[int]:
    """The questions on a client's list, by the protocol: the `question` and `session`
    events received while joining are applied again on top of the snapshot, and a change
    counts only when it is newer (by `seq`) than what the client holds."""
    held: dict[int, int] = {}  # question id -> seq of the copy held
    gone: dict[int, int] = {}
    snapshot = 0
    joining: list[dict] = []

    def apply(q: dict) -> None:
        floor = held[q["id"]] if q["id"] in held else max(snapshot, gone.get(q["id"], 0))
        if q["seq"] <= floor:
            return
        if q["status"] == "visible":
            held[q["id"]] = q["seq"]
        else:
            held.pop(q["id"], None)
            gone[q["id"]] = q["seq"]

    for name, data in list(recorder.events):
        if name == "state":
            snapshot, gone = data["seq"], {}
            held = {q["id"]: q["seq"] for q in data["questions"]}
            for q in joining:
                apply(q)
            joining = None
        elif name == "question":
            apply(data)
            if joining is not None:
                joining.append(data)
    return set(held) if joining is None else set()


def test_clients_joining_while_questions_are_asked_end_with_every_question(app, world, live):
    env = {
        "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COP_INSTANCE_PATH": app.instance_path,
        "COP_SECRET_KEY": app.config["SECRET_KEY"],
        "COP_LIVE_ASK_LIMIT": "10000 per minute",
    }
    tokens = {
        name: bearer(app, world.users[name])["Authorization"].split()[1]
        for name in (*ASKERS, *JOINER_PEOPLE)
    }
    server = CopServer(env)
    clients: list[Recorder] = []
    try:
        server.wait_ready()
        askers = [Recorder(server.url, tokens[name]) for name in ASKERS]
        clients += askers
        for asker in askers:
            assert asker.call("join", {"session_id": live})["ok"]

        def ask_all(asker: Recorder) -> list[int]:
            return ask_many(asker, live, QUESTIONS_EACH)

        def join(n: int) -> Recorder:
            time.sleep(n * 0.05)  # spread over the asking
            joiner = Recorder(server.url, tokens[JOINER_PEOPLE[n % len(JOINER_PEOPLE)]])
            assert joiner.call("join", {"session_id": live, "batch": n % 2 == 0})["ok"]
            return joiner

        with ThreadPoolExecutor(len(askers) + 8) as pool:
            asking = [pool.submit(ask_all, asker) for asker in askers]
            joiners = list(pool.map(join, range(JOINERS)))
            clients += joiners
            asked = {qid for future in asking for qid in future.result()}
        assert len(asked) == len(ASKERS) * QUESTIONS_EACH
        for joiner in joiners:
            joiner.wait_for(lambda j=joiner: shown(j) == asked)
    finally:
        for recorder in clients:
            recorder.close()
        server.stop()
