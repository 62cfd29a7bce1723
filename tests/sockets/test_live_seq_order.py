"""Questions asked at once through two served `cop run` processes sharing Redis (within one
server every websocket is the live worker's, cop/handoff.py): the
session's change numbers, taken in the COMMIT's trip (cop/live/broadcast.py,
`number_last`), still number the changes one after the other in commit order, so every
client gets each question once, numbered without a gap, with the number stored with it.
They may arrive out of that order (each process sends once its own commit stands): the
client orders them by number (docs/live-protocol.md, rule 3; tests/sockets/
test_live_join_race.py)."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from cop.extensions import db
from cop.live.models import LiveQuestion, LiveSession
from tests.conftest import bearer
from tests.live_fixtures import ask_many
from tests.servers import Recorder, two_servers_over_redis

ASKERS = ("member", "trainee", "expert", "other_expert", "space_moderator", "admin")
QUESTIONS_EACH = 15


def test_questions_asked_at_once_are_numbered_in_order_without_a_gap(app, world, live, served_env):
    env = {**served_env, "COP_LIVE_ASK_LIMIT": "10000 per minute"}
    tokens = {
        name: bearer(app, world.users[name])["Authorization"].split()[1]
        for name in (*ASKERS, "outsider")
    }
    with app.app_context():
        start = db.session.get(LiveSession, live).seq
    clients: list[Recorder] = []
    with two_servers_over_redis(env) as servers:
        try:
            urls = [server.url for server in servers]
            watchers = [Recorder(url, tokens["outsider"]) for url in urls]
            askers = [Recorder(urls[n % 2], tokens[name]) for n, name in enumerate(ASKERS)]
            clients += watchers + askers
            for n, watcher in enumerate(watchers):
                assert watcher.call("join", {"session_id": live, "batch": n == 1})["ok"]
            for asker in askers:
                assert asker.call("join", {"session_id": live})["ok"]

            def ask_all(asker: Recorder) -> list[int]:
                return ask_many(asker, live, QUESTIONS_EACH)

            with ThreadPoolExecutor(len(askers)) as pool:
                asked = {qid for ids in pool.map(ask_all, askers) for qid in ids}
            total = len(ASKERS) * QUESTIONS_EACH
            assert len(asked) == total
            for watcher in watchers:
                watcher.wait_for(lambda w=watcher: len(w.named("question")) >= total)
        finally:
            for recorder in clients:
                recorder.close()

    with app.app_context():
        stored = dict(
            db.session.execute(
                select(LiveQuestion.id, LiveQuestion.seq).where(LiveQuestion.session_id == live)
            ).all()
        )
        assert db.session.get(LiveSession, live).seq == start + total
    assert sorted(stored.values()) == list(range(start + 1, start + total + 1))
    for watcher in watchers:
        received = {q["id"]: q["seq"] for q in watcher.named("question")}
        assert len(watcher.named("question")) == total  # each once
        assert received == stored
