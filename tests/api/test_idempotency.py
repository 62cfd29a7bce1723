"""Idempotency-Key as payment APIs have it: one person, one request; the same request
again gets the first answer, anything else with the key a 422, and a replay never shows
what the person may no longer read."""

from datetime import timedelta

from sqlalchemy import delete, update

from cop.db import utcnow
from cop.discussions.models import IdempotencyKey
from cop.extensions import db
from cop.spaces.models import SpaceMembership


def _start(client, headers, space_id, key, title="Один раз", body="Текст"):
    return client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers={**headers, "Idempotency-Key": key},
        json={"title": title, "body": body},
    )


def _reply(client, headers, discussion_id, key, body="Відповідь"):
    return client.post(
        f"/api/v1/discussions/{discussion_id}/posts",
        headers={**headers, "Idempotency-Key": key},
        json={"body": body},
    )


def _total(client, headers, space_id) -> int:
    return client.get(f"/api/v1/spaces/{space_id}/discussions", headers=headers).get_json()["total"]


def _refused_key(response) -> str:
    assert response.status_code == 422, response.get_json()
    return response.get_json()["error"]["message"]


def test_a_replay_gets_the_first_answer_as_it_was_sent(client, world, h):
    forum = world.spaces["forum_signed"]
    first = _start(client, h["member"], forum, "k")
    renamed = client.patch(
        f"/api/v1/discussions/{first.get_json()['id']}",
        headers=h["member"],
        json={"title": "Нова назва"},
    )
    assert renamed.status_code == 200
    again = _start(client, h["member"], forum, "k")
    assert (again.status_code, again.get_json()) == (201, first.get_json())
    assert again.get_json()["title"] == "Один раз"
    assert _total(client, h["member"], forum) == 1


def test_a_key_serves_one_request_only(client, world, h):
    forum = world.spaces["forum_signed"]
    discussion = _start(client, h["member"], forum, "k").get_json()["id"]
    other = _start(client, h["member"], forum, "other").get_json()["id"]
    refusals = [
        _reply(client, h["member"], discussion, "k"),  # a discussion's key for a reply
        _start(client, h["member"], forum, "k", body="Інший текст"),  # another body
        _start(client, h["member"], world.spaces["forum_public"], "k"),  # another forum
    ]
    for response in refusals:
        assert _refused_key(response)
    assert _reply(client, h["member"], discussion, "r").status_code == 201
    assert _refused_key(_reply(client, h["member"], other, "r"))  # another discussion
    assert _refused_key(_reply(client, h["member"], discussion, "r", body="Інше"))
    assert _total(client, h["member"], forum) == 2
    # Another person's key is theirs: the same string starts their own discussion.
    theirs = _start(client, h["expert"], forum, "k")
    assert theirs.status_code == 201 and theirs.get_json()["id"] != discussion


def test_the_key_of_a_deleted_discussion_answers_404(client, world, h):
    forum = world.spaces["forum_signed"]
    discussion = _start(client, h["member"], forum, "k").get_json()["id"]
    deleted = client.delete(f"/api/v1/discussions/{discussion}", headers=h["moderator"])
    assert deleted.status_code == 204
    assert _start(client, h["member"], forum, "k").status_code == 404
    assert _total(client, h["member"], forum) == 0


def test_a_replay_shows_nothing_the_person_may_no_longer_read(app, client, world, h):
    forum = world.spaces["forum_members"]
    first = _start(client, h["member"], forum, "k", title="Лише для своїх")
    assert first.status_code == 201
    with app.app_context():
        db.session.execute(delete(SpaceMembership).where(SpaceMembership.space_id == forum))
        db.session.commit()
    again = _start(client, h["member"], forum, "k", title="Лише для своїх")
    assert again.status_code == 404
    assert "Лише для своїх" not in again.get_data(as_text=True)


def test_keys_expire_after_a_day(app, client, world, h):
    forum = world.spaces["forum_signed"]
    first = _start(client, h["member"], forum, "k").get_json()["id"]
    with app.app_context():
        db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
    later = _start(client, h["member"], forum, "k")
    assert later.status_code == 201 and later.get_json()["id"] != first
    assert _start(client, h["member"], forum, "k").get_json()["id"] == later.get_json()["id"]
    assert _total(client, h["member"], forum) == 2


def test_a_form_sent_again_with_other_text_says_why_it_is_refused(app, world, login_as):
    member = login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    form = {"title": "Бюджет", "body": "Перший текст", "idempotency_key": "форма"}
    assert member.post(f"/spaces/{forum}/discussions/new", data=form).status_code == 302
    again = member.post(f"/spaces/{forum}/discussions/new", data={**form, "body": "Змінений текст"})
    assert "Цей ключ уже використано для іншого запиту." in again.get_data(as_text=True)
