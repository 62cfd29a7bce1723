"""Timed discussions (Moodle's display period): outside their period hidden from
everyone but those who moderate the space, on every path: lists and their totals, the
discussion and its posts, replying, search, notifications, unread counts."""

from datetime import UTC, datetime, timedelta

from tests.search.helpers import search


def start(client, headers, space_id, title, body="Текст"):
    response = client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": body},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def time(client, headers, discussion_id, **period):
    return client.patch(f"/api/v1/discussions/{discussion_id}", headers=headers, json=period)


def iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def titles(client, headers, space_id) -> tuple[set, int]:
    body = client.get(f"/api/v1/spaces/{space_id}/discussions", headers=headers).get_json()
    return {d["title"] for d in body["items"]}, body["total"]


HOUR = timedelta(hours=1)


def test_outside_its_period_a_discussion_is_for_moderators_only(client, world, h):
    forum = world.spaces["forum_signed"]
    later = start(client, h["member"], forum, "Оголошення наперед", body="Бюджетний конкурс")
    gone = start(client, h["member"], forum, "Минуле оголошення", body="Бюджетний звіт")
    now = start(client, h["member"], forum, "Чинне оголошення", body="Бюджетний план")
    assert (
        time(client, h["space_moderator"], later["id"], display_from=iso(HOUR)).status_code == 200
    )
    assert time(client, h["moderator"], gone["id"], display_until=iso(-HOUR)).status_code == 200
    shown = time(
        client, h["moderator"], now["id"], display_from=iso(-HOUR), display_until=iso(HOUR)
    )
    assert shown.status_code == 200 and shown.get_json()["display_until"]
    # the author is no moderator: outside the period it is gone for them too
    for who in ("member", "outsider"):
        assert titles(client, h[who], forum) == ({"Чинне оголошення"}, 1)
        for d in (later, gone):
            assert client.get(f"/api/v1/discussions/{d['id']}", headers=h[who]).status_code == 404
            posts = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h[who])
            assert posts.status_code == 404
            answer = client.post(
                f"/api/v1/discussions/{d['id']}/posts", headers=h[who], json={"body": "Так"}
            )
            assert answer.status_code == 404
        assert search(client, "бюджетний", h[who])["total"] == 1
    for who in ("moderator", "space_moderator"):
        assert titles(client, h[who], forum)[1] == 3
        assert search(client, "бюджетний", h[who])["total"] == 3
    # the period ends: the discussion comes back
    assert time(client, h["moderator"], later["id"], display_from=None).status_code == 200
    assert titles(client, h["member"], forum)[1] == 2


def test_no_notifications_or_unread_counts_from_a_hidden_discussion(client, world, h):
    forum = world.spaces["forum_signed"]
    follow = client.put(
        f"/api/v1/spaces/{forum}/subscription", headers=h["outsider"], json={"subscribed": True}
    )
    assert follow.status_code == 200
    d = start(client, h["moderator"], forum, "Майбутнє")
    assert time(client, h["moderator"], d["id"], display_from=iso(HOUR)).status_code == 200
    before = client.get("/api/v1/notifications", headers=h["outsider"]).get_json()["unread"]
    answer = client.post(
        f"/api/v1/discussions/{d['id']}/posts", headers=h["moderator"], json={"body": "Скоро"}
    )
    assert answer.status_code == 201
    after = client.get("/api/v1/notifications", headers=h["outsider"]).get_json()
    assert after["unread"] == before
    assert answer.get_json()["id"] not in {n["post_id"] for n in after["items"]}
    spaces = client.get("/api/v1/spaces", headers=h["outsider"]).get_json()["items"]
    assert next(s for s in spaces if s["id"] == forum)["unread_count"] == 0


def test_only_moderators_time_a_discussion_and_the_period_must_make_sense(client, world, h):
    forum = world.spaces["forum_signed"]
    d = start(client, h["member"], forum, "Моя тема")
    refused = time(client, h["member"], d["id"], display_from=iso(HOUR), tags=["змінено"])
    assert refused.status_code == 403
    assert (
        client.get(f"/api/v1/discussions/{d['id']}", headers=h["member"]).get_json()["tags"] == []
    )
    backwards = time(
        client, h["moderator"], d["id"], display_from=iso(HOUR), display_until=iso(-HOUR)
    )
    assert backwards.status_code == 422
    assert "display_until" in backwards.get_json()["error"]["fields"]
    naive = time(client, h["moderator"], d["id"], display_from="2026-01-01T10:00:00")
    assert naive.status_code == 422
    assert titles(client, h["member"], forum)[1] == 1  # nothing was saved
