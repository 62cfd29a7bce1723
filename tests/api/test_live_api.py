from cop.extensions import db, socketio
from tests.conftest import QueryCounter
from tests.sockets.conftest import NS, join

WHEN = "2026-12-01T10:00:00+02:00"


def schedule(client, headers, space_id, **extra):
    return client.post(
        "/api/v1/live-sessions",
        headers=headers,
        json={"space_id": space_id, "title": "Місцеві бюджети", "scheduled_at": WHEN, **extra},
    )


def test_experts_schedule_and_everyone_who_reads_the_space_sees(client, world, h):
    response = schedule(client, h["expert"], world.spaces["forum_signed"], moderated=True)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["status"] == "scheduled" and created["moderated"]
    assert [p["display_name"] for p in created["hosts"]] == ["expert"]
    listed = client.get("/api/v1/live-sessions", headers=h["member"]).get_json()
    assert [s["id"] for s in listed["items"]] == [created["id"]] and listed["total"] == 1
    one = client.get(f"/api/v1/live-sessions/{created['id']}", headers=h["outsider"])
    assert one.status_code == 200 and one.get_json()["questions"] == []


def test_the_list_costs_the_same_for_one_session_or_many(app, client, world, h):
    last = []

    def count() -> int:
        with app.app_context():
            engine = db.engine
        with QueryCounter(engine) as counter:
            listed = client.get("/api/v1/live-sessions", headers=h["member"]).get_json()
        assert all(s["hosts"] for s in listed["items"])
        last[:] = counter.statements
        return len(counter)

    schedule(client, h["expert"], world.spaces["forum_signed"])
    count()  # the token's first use is noted once
    one = count()
    for _ in range(4):
        schedule(client, h["expert"], world.spaces["forum_signed"])
    assert count() == one, "\n".join(last)


def test_members_cannot_schedule_and_closed_spaces_stay_hidden(client, world, h):
    assert schedule(client, h["member"], world.spaces["forum_signed"]).status_code == 409
    assert schedule(client, h["expert"], world.spaces["desk"]).status_code == 409  # not there
    assert schedule(client, h["other_expert"], world.spaces["desk"]).status_code == 404
    hidden = schedule(client, h["admin"], world.spaces["forum_members"]).get_json()
    assert (
        client.get(f"/api/v1/live-sessions/{hidden['id']}", headers=h["outsider"]).status_code
        == 404
    )
    listed = client.get("/api/v1/live-sessions", headers=h["outsider"]).get_json()
    assert listed == {"items": [], "total": 0, "page": 1, "per_page": 50}
    assert client.get("/api/v1/live-sessions").get_json()["total"] == 0  # guests


def test_bad_input_is_a_clear_422(client, world, h):
    naive = schedule(
        client, h["expert"], world.spaces["forum_signed"], scheduled_at="2026-12-01T10:00:00"
    )
    assert naive.status_code == 422
    assert "scheduled_at" in naive.get_json()["error"]["fields"]
    long = schedule(client, h["expert"], world.spaces["forum_signed"], max_question_length=5)
    assert long.status_code == 422
    member_host = schedule(
        client, h["expert"], world.spaces["forum_signed"], host_ids=[world.users["member"].id]
    )
    assert member_host.status_code == 422


def test_session_detail_shows_questions_as_the_sockets_do(app, client, world, h, login_as):
    created = schedule(client, h["expert"], world.spaces["forum_signed"]).get_json()
    asker = socketio.test_client(
        app, namespace=NS, flask_test_client=login_as(world.users["member"])
    )
    join(asker, created["id"])
    asker.emit(
        "ask",
        {"session_id": created["id"], "text": "Анонімне питання", "anonymous": True},
        namespace=NS,
    )
    seen = client.get(f"/api/v1/live-sessions/{created['id']}", headers=h["outsider"]).get_json()
    assert seen["questions"][0]["author"] is None
    staff = client.get(f"/api/v1/live-sessions/{created['id']}", headers=h["expert"]).get_json()
    assert staff["questions"][0]["author"]["display_name"] == "member"
    asker.disconnect(NS)
