"""Two people editing one post: the second edit, made on the older version, is refused
with the current text instead of silently overwriting the first."""

import threading

from sqlalchemy import select

from cop.discussions.models import Post, PostRevision
from cop.extensions import db
from tests.api.test_discussions_api import start


def _first_post(client, h, world) -> int:
    d = start(client, h["member"], world.spaces["forum_signed"], body="Перша версія")
    posts = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h["member"]).get_json()
    return posts["items"][0]["id"]


def test_a_stale_edit_is_refused_with_the_current_text(app, client, world, h):
    post_id = _first_post(client, h, world)
    read = client.get(f"/api/v1/posts/{post_id}", headers=h["member"])
    assert read.headers["ETag"] == '"v1"' and read.get_json()["version"] == 1
    url = f"/api/v1/posts/{post_id}"
    moderated = client.patch(
        url, headers={**h["moderator"], "If-Match": '"v1"'}, json={"body": "Модератор виправив"}
    )
    assert moderated.status_code == 200 and moderated.headers["ETag"] == '"v2"'
    stale = client.patch(
        url, headers={**h["member"], "If-Match": read.headers["ETag"]}, json={"body": "Моє"}
    )
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["current"]["body"] == "Модератор виправив" and error["current"]["version"] == 2
    assert "змінив" in error["message"] or "changed" in error["message"]
    with app.app_context():
        assert db.session.get(Post, post_id).body == "Модератор виправив"
    by_field = client.patch(url, headers=h["member"], json={"body": "Моє", "version": 2})
    assert by_field.status_code == 200 and by_field.get_json()["version"] == 3
    old_field = client.patch(url, headers=h["member"], json={"body": "Ще", "version": 2})
    assert old_field.status_code == 409


def test_an_edit_without_a_version_applies_to_what_is_stored(client, world, h):
    post_id = _first_post(client, h, world)
    edited = client.patch(f"/api/v1/posts/{post_id}", headers=h["member"], json={"body": "Нове"})
    assert edited.status_code == 200 and edited.get_json()["version"] == 2


def test_an_if_match_that_is_not_an_etag_is_a_400(client, world, h):
    post_id = _first_post(client, h, world)
    for tag in ("v1", '"1"', '"v0"', '"v99999999999"', "*"):
        response = client.patch(
            f"/api/v1/posts/{post_id}",
            headers={**h["member"], "If-Match": tag},
            json={"body": "Нове"},
        )
        assert response.status_code == 400, tag
        assert "If-Match" in response.get_json()["error"]["message"]


def test_of_simultaneous_edits_on_one_version_exactly_one_wins(app, client, world, h):
    post_id = _first_post(client, h, world)
    editors = 6
    barrier, answers = threading.Barrier(editors), []

    def edit(n: int) -> None:
        with app.test_client() as own:
            barrier.wait()
            response = own.patch(
                f"/api/v1/posts/{post_id}",
                headers={**h["moderator"], "If-Match": '"v1"'},
                json={"body": f"Правка {n}"},
            )
            answers.append((response.status_code, n))

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _n in answers)
    assert statuses == [200] + [409] * (editors - 1)
    winner = next(n for status, n in answers if status == 200)
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert (post.body, post.version) == (f"Правка {winner}", 2)
        revisions = db.session.scalars(select(PostRevision).where(PostRevision.post_id == post_id))
        assert len(revisions.all()) == 1
