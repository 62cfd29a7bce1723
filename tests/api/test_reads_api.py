"""Read tracking through the API: unread counts per discussion and per space follow every
visibility rule, the read horizon, and 'mark read' per discussion, space and everywhere."""

from datetime import timedelta

from cop.discussions.models import Post
from cop.extensions import db


def start(client, headers, space_id, title="Де взяти дані для профілю громади?", **extra):
    response = client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": "Питання", **extra},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def reply(client, headers, discussion_id, body="Відповідь", **extra):
    response = client.post(
        f"/api/v1/discussions/{discussion_id}/posts", headers=headers, json={"body": body, **extra}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def space_unread(client, headers) -> dict[int, int | None]:
    listed = client.get("/api/v1/spaces", headers=headers).get_json()["items"]
    return {s["id"]: s["unread_count"] for s in listed}


def discussion_unread(client, headers, discussion_id) -> int:
    return client.get(f"/api/v1/discussions/{discussion_id}", headers=headers).get_json()[
        "unread_count"
    ]


def configure(client, h, space_id, **settings):
    response = client.patch(
        f"/api/v1/spaces/{space_id}/forum", headers=h["moderator"], json=settings
    )
    assert response.status_code == 200, response.get_json()


def backdate(app, post_id, days):
    with app.app_context():
        db.session.get(Post, post_id).created_at -= timedelta(days=days)
        db.session.commit()


def test_counts_per_space_for_members_outsiders_and_experts(client, world, h):
    signed, members = world.spaces["forum_signed"], world.spaces["forum_members"]
    room = world.spaces["expert_room"]
    d = start(client, h["space_moderator"], signed)
    reply(client, h["expert"], d["id"])
    start(client, h["space_moderator"], members)
    notes = start(client, h["expert"], room, title="Нотатки групи")
    reply(client, h["trainee"], notes["id"])
    start(client, h["expert"], room, title="План зустрічі")

    member = space_unread(client, h["member"])
    assert member[signed] == 2 and member[members] == 1 and room not in member
    outsider = space_unread(client, h["outsider"])
    assert outsider[signed] == 2 and members not in outsider and room not in outsider
    assert room not in space_unread(client, h["other_expert"])
    expert = space_unread(client, h["expert"])
    assert expert[room] == 1 and expert[signed] == 0  # writing is reading
    assert space_unread(client, h["trainee"])[room] == 1
    assert space_unread(client, h["moderator"])[room] == 3
    one = client.get(f"/api/v1/spaces/{signed}", headers=h["member"]).get_json()
    assert one["unread_count"] == 2
    assert client.get(f"/api/v1/spaces/{room}", headers=h["member"]).status_code == 404


def test_guests_get_no_counts(client, world, h):
    forum = world.spaces["forum_public"]
    start(client, h["member"], forum)
    listed = client.get("/api/v1/spaces").get_json()["items"]
    assert [s["unread_count"] for s in listed] == [None]
    assert client.get(f"/api/v1/spaces/{forum}").get_json()["unread_count"] is None
    assert client.put("/api/v1/read").status_code == 401
    assert client.put(f"/api/v1/spaces/{forum}/read").status_code == 401


def test_posts_older_than_the_horizon_count_as_read(app, client, world, h):
    forum = world.spaces["forum_signed"]
    d = start(client, h["expert"], forum)
    reply(client, h["expert"], d["id"], body="Давня відповідь")
    reply(client, h["expert"], d["id"], body="Свіжа відповідь")
    posts = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h["expert"]).get_json()
    first, old, _fresh = (p["id"] for p in posts["items"])
    backdate(app, first, days=20)
    backdate(app, old, days=15)
    assert discussion_unread(client, h["member"], d["id"]) == 1
    assert space_unread(client, h["member"])[forum] == 1
    app.config["COP_READ_HORIZON_DAYS"] = 30
    assert discussion_unread(client, h["member"], d["id"]) == 3
    assert space_unread(client, h["member"])[forum] == 3


def test_separate_groups_count_only_the_users_own_groups(client, world, h):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, group_mode="separate")
    theirs = start(client, h["outsider"], forum, title="Бюджет громади Б")
    reply(client, h["other_expert"], theirs["id"])
    start(client, h["moderator"], forum, title="Для всіх")
    assert space_unread(client, h["member"])[forum] == 1
    assert space_unread(client, h["expert"])[forum] == 1
    assert space_unread(client, h["outsider"])[forum] == 2
    assert space_unread(client, h["space_moderator"])[forum] == 3
    configure(client, h, forum, group_mode="visible")
    assert space_unread(client, h["member"])[forum] == 3


def test_qanda_replies_count_only_once_the_users_own_is_past_the_edit_window(app, client, world, h):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, forum_type="qanda")
    question = start(client, h["expert"], forum, title="Вправа: місія громади")
    mine = reply(client, h["member"], question["id"], body="Моя відповідь")
    reply(client, h["outsider"], question["id"], body="Відповідь Б")
    reply(client, h["space_moderator"], question["id"], body="Відповідь модератора")
    assert space_unread(client, h["member"])[forum] == 0  # others' answers still hidden
    assert discussion_unread(client, h["member"], question["id"]) == 0
    assert space_unread(client, h["trainee"])[forum] == 1  # the question only
    assert space_unread(client, h["expert"])[forum] == 3  # asked it
    assert space_unread(client, h["other_expert"])[forum] == 4  # experts see the answers
    backdate(app, mine["id"], days=1 / 24)  # an hour ago: past the edit window
    assert space_unread(client, h["member"])[forum] == 2
    assert discussion_unread(client, h["member"], question["id"]) == 2


def test_private_replies_count_for_their_recipient_and_the_moderators(client, world, h):
    forum = world.spaces["forum_signed"]
    d = start(client, h["member"], forum)
    reply(client, h["expert"], d["id"], body="Лише вам", private=True)
    assert space_unread(client, h["member"])[forum] == 1
    assert discussion_unread(client, h["member"], d["id"]) == 1
    for name in ("outsider", "trainee"):
        assert space_unread(client, h[name])[forum] == 1, name  # the first post only
        assert discussion_unread(client, h[name], d["id"]) == 1, name
    assert space_unread(client, h["space_moderator"])[forum] == 2
    assert discussion_unread(client, h["space_moderator"], d["id"]) == 2


def test_hidden_and_deleted_posts_are_not_new(client, world, h):
    forum = world.spaces["forum_signed"]
    d = start(client, h["member"], forum)
    spam = reply(client, h["outsider"], d["id"], body="Реклама")
    gone = reply(client, h["expert"], d["id"], body="Помилково")
    assert space_unread(client, h["trainee"])[forum] == 3
    hidden = client.put(f"/api/v1/posts/{spam['id']}/hidden", headers=h["moderator"])
    assert hidden.status_code == 200
    assert client.delete(f"/api/v1/posts/{gone['id']}", headers=h["expert"]).status_code == 204
    assert space_unread(client, h["trainee"])[forum] == 1


def test_mark_a_space_read_until_something_new_is_posted(client, world, h):
    forum, other = world.spaces["forum_signed"], world.spaces["forum_public"]
    discussions = [start(client, h["expert"], forum, title=f"Тема {i}") for i in range(3)]
    start(client, h["expert"], other)
    assert space_unread(client, h["member"])[forum] == 3
    assert client.put(f"/api/v1/spaces/{forum}/read", headers=h["member"]).status_code == 204
    counts = space_unread(client, h["member"])
    assert counts[forum] == 0 and counts[other] == 1
    listed = client.get(f"/api/v1/spaces/{forum}/discussions", headers=h["member"]).get_json()
    assert [d["unread_count"] for d in listed["items"]] == [0, 0, 0]
    reply(client, h["outsider"], discussions[1]["id"], body="Щось нове")
    assert space_unread(client, h["member"])[forum] == 1
    assert discussion_unread(client, h["member"], discussions[1]["id"]) == 1


def test_mark_everything_read_until_something_new_is_posted(client, world, h):
    signed, room = world.spaces["forum_signed"], world.spaces["expert_room"]
    d = start(client, h["member"], signed)
    start(client, h["trainee"], room)
    assert client.put(f"/api/v1/discussions/{d['id']}/read", headers=h["expert"]).status_code == 204
    reply(client, h["outsider"], d["id"])
    before = space_unread(client, h["expert"])
    assert before[signed] == 1 and before[room] == 1
    assert client.put("/api/v1/read", headers=h["expert"]).status_code == 204
    assert set(space_unread(client, h["expert"]).values()) == {0}
    reply(client, h["trainee"], d["id"], body="Нове після позначки")
    assert space_unread(client, h["expert"])[signed] == 1
    assert space_unread(client, h["expert"])[room] == 0


def test_marking_a_hidden_space_read_is_404(client, world, h):
    room = world.spaces["expert_room"]
    response = client.put(f"/api/v1/spaces/{room}/read", headers=h["outsider"])
    assert response.status_code == 404
    assert client.put("/api/v1/spaces/99999/read", headers=h["outsider"]).get_json() == (
        response.get_json()
    )


def test_the_openapi_document_describes_read_tracking(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/read",
        "/api/v1/spaces/{space_id}/read",
        "/api/v1/discussions/{discussion_id}/read",
    ):
        assert doc["paths"][path]["put"]["responses"]["204"], path
    schemas = doc["components"]["schemas"]
    assert "unread_count" in schemas["SpaceOut"]["properties"]
    assert "unread_count" in schemas["DiscussionOut"]["properties"]
