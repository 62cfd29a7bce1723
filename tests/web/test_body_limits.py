"""Request bodies are small everywhere but on the routes that take files: an oversize form
gets the error page, an oversize JSON body the API's error, both 413 and unread."""

from sqlalchemy import func, select

from cop.discussions.models import Discussion
from cop.extensions import db
from tests import files
from tests.files import upload

FIVE_MB = 5 * 1024 * 1024


def _discussions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Discussion))


def test_a_five_megabyte_form_gets_413_and_the_error_page(app, world, login_as):
    member = login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    for path, data in [
        ("/profile", {"display_name": "x" * FIVE_MB}),
        (f"/spaces/{forum}/discussions/new", {"title": "Бюджет", "body": "x" * FIVE_MB}),
    ]:
        response = member.post(path, data=data)
        assert response.status_code == 413, path
        page = response.get_data(as_text=True)
        assert "<!doctype html>" in page.lower() and "за раз" in page
    assert _discussions(app) == 0


def test_an_oversize_json_body_gets_413_in_the_error_shape(app, client, world, h):
    forum = world.spaces["forum_signed"]
    body = {"title": "Бюджет", "body": "я" * (app.config["COP_BODY_MAX_BYTES"] // 2)}
    response = client.post(f"/api/v1/spaces/{forum}/discussions", json=body, headers=h["member"])
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["status"] == 413 and "512" in error["message"]
    assert _discussions(app) == 0


def test_the_longest_post_fits_and_files_may_be_larger(app, client, world, h, login_as):
    forum = world.spaces["forum_signed"]
    app.config["COP_BODY_MAX_BYTES"] = 200 * 1024  # a file larger than this, yet kept in memory
    longest = "я" * 20_000
    response = client.post(
        f"/api/v1/spaces/{forum}/discussions",
        json={"title": "Бюджет", "body": longest},
        headers=h["member"],
    )
    assert response.status_code == 201
    first = client.get(
        f"/api/v1/discussions/{response.get_json()['id']}/posts", headers=h["member"]
    ).get_json()["items"][0]["id"]
    big_pdf = files.PDF + b"%" * 300 * 1024
    attached = client.post(
        f"/api/v1/posts/{first}/attachments",
        headers=h["member"],
        data={"file": [upload(big_pdf, "план.pdf")]},
        content_type="multipart/form-data",
    )
    assert attached.status_code == 201, attached.get_json()
    member = login_as(world.users["member"])
    started = member.post(
        f"/spaces/{forum}/discussions/new",
        data={
            "title": "Ще одна",
            "body": longest,
            "idempotency_key": "big",
            "file": [upload(big_pdf, "план.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert started.status_code == 302
