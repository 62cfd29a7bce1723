"""A forum's posting threshold (Moodle's): warned from N posts in the period, refused
after M, with a message on the page and in the API; those who moderate are exempt."""

from datetime import timedelta

from sqlalchemy import update

from cop.db import utcnow
from cop.discussions.models import Post
from cop.extensions import db


def configure(client, h, space_id, **settings):
    return client.patch(f"/api/v1/spaces/{space_id}/forum", headers=h["moderator"], json=settings)


def start(client, headers, space_id, title="Тема"):
    return client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": "Текст"},
    )


def reply(client, headers, discussion_id):
    return client.post(
        f"/api/v1/discussions/{discussion_id}/posts", headers=headers, json={"body": "Ще"}
    )


def posting(client, headers, space_id):
    response = client.get(f"/api/v1/spaces/{space_id}/posting", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_warned_then_blocked_until_the_oldest_post_leaves_the_period(app, client, world, h):
    forum = world.spaces["forum_signed"]
    response = configure(client, h, forum, post_period_hours=24, warn_after=2, block_after=3)
    assert response.status_code == 200
    assert response.get_json()["block_after"] == 3
    assert posting(client, h["member"], forum)["warned"] is False
    d = start(client, h["member"], forum).get_json()
    assert reply(client, h["member"], d["id"]).status_code == 201
    warned = posting(client, h["member"], forum)
    assert warned["warned"] and not warned["blocked"] and warned["posts"] == 2
    assert "3" in warned["message"]
    assert reply(client, h["member"], d["id"]).status_code == 201
    refused = reply(client, h["member"], d["id"])
    assert refused.status_code == 403
    message = refused.get_json()["error"]["message"]
    assert "24" in message and "3" in message
    assert start(client, h["member"], forum, "Ще одна").status_code == 403
    blocked = posting(client, h["member"], forum)
    assert blocked["blocked"] and blocked["open_again"]
    # others are counted on their own; moderators are exempt
    assert reply(client, h["outsider"], d["id"]).status_code == 201
    for _ in range(4):
        assert reply(client, h["space_moderator"], d["id"]).status_code == 201
    assert posting(client, h["space_moderator"], forum)["limited"] is False
    # other forums are not limited
    assert start(client, h["member"], world.spaces["forum_public"]).status_code == 201
    # a day later the oldest post has left the period
    with app.app_context():
        first = db.session.scalar(
            Post.__table__.select()
            .with_only_columns(Post.id)
            .where(Post.discussion_id == d["id"], Post.parent_id.is_(None))
        )
        db.session.execute(
            update(Post).where(Post.id == first).values(created_at=utcnow() - timedelta(hours=25))
        )
        db.session.commit()
    assert reply(client, h["member"], d["id"]).status_code == 201


def test_deleted_posts_do_not_count(client, world, h):
    forum = world.spaces["forum_signed"]
    assert configure(client, h, forum, post_period_hours=1, block_after=1).status_code == 200
    d = start(client, h["member"], forum).get_json()
    assert reply(client, h["member"], d["id"]).status_code == 403
    assert client.delete(f"/api/v1/discussions/{d['id']}", headers=h["member"]).status_code == 204
    assert start(client, h["member"], forum).status_code == 201


def test_threshold_settings_must_make_sense(client, world, h):
    forum = world.spaces["forum_signed"]
    for settings, field in (
        ({"warn_after": 5, "block_after": 3, "post_period_hours": 1}, "warn_after"),
        ({"block_after": 3}, "post_period_hours"),
        ({"post_period_hours": 10**6}, "post_period_hours"),
        ({"warn_after": -1}, "warn_after"),
    ):
        response = configure(client, h, forum, **settings)
        assert response.status_code == 422, settings
        assert field in response.get_json()["error"]["fields"]
    stored = client.get(f"/api/v1/spaces/{forum}/forum", headers=h["member"]).get_json()
    assert stored["block_after"] == 0
    refused = client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["member"], json={"block_after": 1}
    )
    assert refused.status_code == 403


def test_the_forms_warn_and_refuse_with_the_message(client, world, h, login_as):
    forum = world.spaces["forum_signed"]
    assert configure(client, h, forum, post_period_hours=5, warn_after=1, block_after=2).status_code
    d = start(client, h["member"], forum).get_json()
    member = login_as(world.users["member"])
    page = member.get(f"/discussions/{d['id']}").text
    assert "posting-threshold" in page and "5" in page
    assert "posting-threshold" in member.get(f"/spaces/{forum}/discussions/new").text
    assert (
        "posting-threshold"
        not in login_as(world.users["outsider"]).get(f"/spaces/{forum}/discussions/new").text
    )
    first = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h["member"]).get_json()
    post_id = first["items"][0]["id"]
    assert member.post(f"/posts/{post_id}/reply", data={"body": "Друга"}).status_code == 302
    refused = member.post(f"/posts/{post_id}/reply", data={"body": "Третя"})
    assert refused.status_code == 200  # the form again, with the reason
    assert "Третя" in refused.text and "5" in refused.text
    settings = login_as(world.users["moderator"]).get(f"/spaces/{forum}/forum").text
    assert 'name="block_after"' in settings and 'value="2"' in settings
