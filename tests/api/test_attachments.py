import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from cop.accounts.models import User
from cop.attachments.models import Attachment
from cop.discussions.models import Post
from cop.extensions import db
from tests import files
from tests.files import download, upload


@pytest.fixture(autouse=True)
def in_english(app, world):
    """Messages below are compared in English; the Ukrainian ones are checked on pages."""
    with app.app_context():
        db.session.execute(update(User).values(locale="en"))
        db.session.commit()


def start(client, headers, space_id, title="Профіль громади", body="Дані в додатку."):
    response = client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": body},
    )
    assert response.status_code == 201, response.get_json()
    discussion = response.get_json()
    posts = client.get(f"/api/v1/discussions/{discussion['id']}/posts", headers=headers)
    return discussion["id"], posts.get_json()["items"][0]["id"]


def attach(client, headers, post_id, *parts):
    return client.post(
        f"/api/v1/posts/{post_id}/attachments",
        headers=headers,
        data={"file": [upload(data, name) for data, name in parts]},
        content_type="multipart/form-data",
    )


def attached(client, headers, post_id, *parts) -> list[dict]:
    response = attach(client, headers, post_id, *parts)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["items"]


def field_error(response, status=422) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]["fields"]["file"]


def stored_files(app) -> list:
    root = Path(app.instance_path) / "attachments"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_attach_show_download_and_remove(app, client, world, h, login_as):
    discussion_id, post_id = start(client, h["member"], world.spaces["forum_signed"])
    image, pdf = attached(
        client, h["member"], post_id, (files.png(), "схема.png"), (files.PDF, "Профіль.pdf")
    )
    assert image["filename"] == "схема.png" and image["content_type"] == "image/png"
    assert pdf["size"] == len(files.PDF)
    posts = client.get(f"/api/v1/discussions/{discussion_id}/posts", headers=h["outsider"])
    assert [a["filename"] for a in posts.get_json()["items"][0]["attachments"]] == [
        "схема.png",
        "Профіль.pdf",
    ]
    got = download(client, pdf["url"], h["outsider"])
    assert got.status_code == 200 and got.data == files.PDF
    assert (
        client.delete(f"/api/v1/attachments/{pdf['id']}", headers=h["outsider"]).status_code == 403
    )
    assert client.delete(f"/api/v1/attachments/{pdf['id']}", headers=h["member"]).status_code == 204
    one = client.get(f"/api/v1/posts/{post_id}", headers=h["member"]).get_json()
    assert [a["id"] for a in one["attachments"]] == [image["id"]]
    assert download(client, pdf["url"], h["member"]).status_code == 404
    assert len(stored_files(app)) == 1  # the PDF's bytes went with it
    assert (
        client.delete(f"/api/v1/attachments/{image['id']}", headers=h["moderator"]).status_code
        == 204
    )
    audit = client.get("/api/v1/moderation/audit", headers=h["admin"]).get_json()["items"]
    assert audit[0]["action"] == "attachment.removed"
    log = login_as(world.users["admin"]).get("/moderation/audit").get_data(as_text=True)
    assert f'post in <a href="/posts/{post_id}">“Профіль громади”</a>' in log
    assert "File removed from someone else" in log and "attachment.removed" not in log


def test_only_whoever_may_edit_the_post_attaches(app, client, world, h):
    _d, post_id = start(client, h["member"], world.spaces["forum_signed"])
    assert attach(client, h["outsider"], post_id, (files.PDF, "a.pdf")).status_code == 403
    with app.app_context():
        db.session.get(Post, post_id).created_at -= timedelta(minutes=31)
        db.session.commit()
    assert attach(client, h["member"], post_id, (files.PDF, "a.pdf")).status_code == 403
    assert attach(client, h["moderator"], post_id, (files.PDF, "a.pdf")).status_code == 201
    assert attach(client, {}, post_id, (files.PDF, "a.pdf")).status_code == 401


def test_each_limit_refuses_with_a_clear_message_and_keeps_nothing(app, client, world, h):
    forum = world.spaces["forum_signed"]
    limits = {"max_attachments": 2, "max_attachment_bytes": 20 * 1024}
    assert (
        client.patch(
            f"/api/v1/spaces/{forum}/forum", headers=h["moderator"], json=limits
        ).status_code
        == 200
    )
    _d, post_id = start(client, h["member"], forum)
    cases = [
        ([(files.PDF, "a.pdf")] * 3, "At most 2 files per post."),
        ([(b"x" * 30 * 1024, "великий.txt")], "“великий.txt” is larger than 20 KB."),
        ([(files.SVG, "logo.svg")], "“logo.svg”: files of this type are not accepted"),
        ([(files.HTML, "photo.png")], "“photo.png”: the content is not what a .png file holds."),
        ([(files.HTML, "notes.txt")], "“notes.txt”: the content is not what a .txt file holds."),
        ([(files.HTML, "page.html")], "“page.html”: files of this type are not accepted"),
        ([(b"", "empty.pdf")], "“empty.pdf” is empty."),
        ([(files.png(), "report.docx")], "“report.docx”: the content is not what a .docx file"),
        ([(files.odt(), "report.docx")], "“report.docx”: the content is not what a .docx file"),
        ([(files.docx(), "report.odt")], "“report.odt”: the content is not what a .odt file"),
        ([(b"PK\x03\x04 broken", "archive.zip")], "“archive.zip”: the content is not what"),
        ([(files.png(), "noextension")], "“noextension”: files of this type are not accepted"),
    ]
    for parts, message in cases:
        assert message in field_error(attach(client, h["member"], post_id, *parts)), message
    # One bad file among good ones: named alone, and none of them is kept.
    error = field_error(
        attach(client, h["member"], post_id, (files.PDF, "добрий.pdf"), (files.SVG, "злий.svg"))
    )
    assert "злий.svg" in error and "добрий.pdf" not in error
    assert (
        client.get(f"/api/v1/posts/{post_id}", headers=h["member"]).get_json()["attachments"] == []
    )
    assert stored_files(app) == []


def test_every_allowed_kind_of_file_is_accepted(client, world, h):
    forum = world.spaces["forum_signed"]
    client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["moderator"], json={"max_attachments": 10}
    )
    _d, post_id = start(client, h["member"], forum)
    kinds = attached(
        client,
        h["member"],
        post_id,
        (files.png(), "a.PNG"),
        (files.JPEG, "b.jpeg"),
        (files.GIF, "c.gif"),
        (files.WEBP, "d.webp"),
        (files.PDF, "e.pdf"),
        (files.docx(), "f.docx"),
        (files.odt(), "g.odt"),
        (files.CSV, "h.csv"),
        (files.plain_zip(), "i.zip"),
        ("# Нотатки\n".encode(), "j.md"),
    )
    assert [k["content_type"] for k in kinds] == [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
        "text/csv",
        "application/zip",
        "text/markdown",
    ]
    assert field_error(attach(client, h["member"], post_id, (files.PDF, "k.pdf"))) == (
        "At most 10 files per post. This post has 10 already."
    )


def test_a_forum_without_attachments_refuses_them(client, world, h):
    forum = world.spaces["forum_signed"]
    client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["moderator"], json={"max_attachments": 0}
    )
    _d, post_id = start(client, h["member"], forum)
    error = field_error(attach(client, h["member"], post_id, (files.PDF, "a.pdf")))
    assert error == "This forum does not accept attachments."
    assert field_error(attach(client, h["member"], post_id)) == "Choose a file."


def test_forum_limits_stay_within_the_site_ceilings(client, world, h):
    url = f"/api/v1/spaces/{world.spaces['forum_signed']}/forum"
    assert client.get(url, headers=h["member"]).get_json()["max_attachments"] == 5
    for body, field, message in (
        ({"max_attachments": 11}, "max_attachments", "From 0 to 10 (0: no attachments)."),
        ({"max_attachments": -1}, "max_attachments", "Must be at least 0."),
        (
            {"max_attachment_bytes": 21 * 1024 * 1024},
            "max_attachment_bytes",
            "From 10 KB to 20 MB.",
        ),
        ({"max_attachment_bytes": 100}, "max_attachment_bytes", "From 10 KB to 20 MB."),
    ):
        response = client.patch(url, headers=h["moderator"], json=body)
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"] == {field: message}
    changed = client.patch(url, headers=h["moderator"], json={"max_attachment_bytes": 1024 * 1024})
    assert changed.get_json()["max_attachment_bytes"] == 1024 * 1024
    assert client.patch(url, headers=h["member"], json={"max_attachments": 9}).status_code == 403


def test_the_same_bytes_are_stored_once(app, client, world, h):
    forum = world.spaces["forum_signed"]
    _d1, first = start(client, h["member"], forum, title="Перша")
    _d2, second = start(client, h["expert"], forum, title="Друга")
    a = attached(client, h["member"], first, (files.png(seed=7), "a.png"))[0]
    b = attached(client, h["expert"], second, (files.png(seed=7), "b.png"))[0]
    assert a["id"] != b["id"]
    stored = stored_files(app)
    assert len(stored) == 1
    sha = hashlib.sha256(files.png(seed=7)).hexdigest()
    assert stored[0].name == sha and stored[0].parent.name == sha[2:4]
    assert stored[0].parent.parent.parent.name == "attachments"
    client.delete(f"/api/v1/attachments/{a['id']}", headers=h["member"])
    assert len(stored_files(app)) == 1  # still used by the other post
    assert download(client, b["url"], h["expert"]).data == files.png(seed=7)
    client.delete(f"/api/v1/attachments/{b['id']}", headers=h["expert"])
    assert stored_files(app) == []


def test_deleting_a_discussion_deletes_its_files(app, client, world, h):
    discussion_id, post_id = start(client, h["member"], world.spaces["forum_signed"])
    attached(client, h["member"], post_id, (files.PDF, "a.pdf"))
    assert (
        client.delete(f"/api/v1/discussions/{discussion_id}", headers=h["member"]).status_code
        == 204
    )
    assert stored_files(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


READERS = {
    # space: who gets the file (everyone else: 404)
    "forum_public": {"guest", "outsider", "member", "expert"},
    "forum_signed": {"outsider", "member", "expert"},
    "expert_room": {"expert"},
}


@pytest.mark.parametrize("space", list(READERS))
def test_downloads_follow_who_may_read_the_post(client, world, h, space):
    writer = "expert" if space == "expert_room" else "member"
    discussion_id, post_id = start(client, h[writer], world.spaces[space], title="Нотатки Вега")
    item = attached(client, h[writer], post_id, (files.PDF, "notes.pdf"))[0]
    for person in ("guest", "outsider", "member", "expert"):
        headers = {} if person == "guest" else h[person]
        response = download(client, item["url"], headers)
        if person in READERS[space]:
            assert response.status_code == 200 and response.data == files.PDF, person
        else:
            assert response.status_code == 404, person
            assert "Вега" not in response.get_data(as_text=True)
            assert b"%PDF" not in response.data
            removal = client.delete(f"/api/v1/attachments/{item['id']}", headers=headers)
            assert removal.status_code in ((401,) if person == "guest" else (404,))


def test_files_of_unreadable_posts_stay_closed(app, client, world, h):
    forum = world.spaces["forum_signed"]
    discussion_id, first = start(client, h["member"], forum)
    private = client.post(
        f"/api/v1/discussions/{discussion_id}/posts",
        headers=h["expert"],
        json={"body": "Лише вам", "private": True},
    ).get_json()
    secret = attached(client, h["expert"], private["id"], (files.PDF, "private.pdf"))[0]
    assert download(client, secret["url"], h["member"]).status_code == 200  # the addressee
    assert download(client, secret["url"], h["outsider"]).status_code == 404
    # Hidden by a moderator: its author and moderators only.
    hidden = attached(client, h["member"], first, (files.PDF, "hidden.pdf"))[0]
    client.put(f"/api/v1/posts/{first}/hidden", headers=h["moderator"])
    assert download(client, hidden["url"], h["outsider"]).status_code == 404
    assert download(client, hidden["url"], h["member"]).status_code == 200
    listed = client.get(f"/api/v1/posts/{first}", headers=h["outsider"]).get_json()
    assert listed["attachments"] == []
    client.delete(f"/api/v1/posts/{first}/hidden", headers=h["moderator"])
    # Deleted (the thread keeps a placeholder): moderators only, not even the author.
    client.delete(f"/api/v1/posts/{private['id']}", headers=h["moderator"])
    assert download(client, secret["url"], h["expert"]).status_code == 404
    assert download(client, secret["url"], h["moderator"]).status_code == 200


def test_qanda_replies_files_wait_like_the_replies(client, world, h):
    forum = world.spaces["forum_signed"]
    client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["moderator"], json={"forum_type": "qanda"}
    )
    discussion_id, _first = start(client, h["member"], forum, title="Питання")
    answer = client.post(
        f"/api/v1/discussions/{discussion_id}/posts", headers=h["outsider"], json={"body": "Так"}
    ).get_json()
    item = attached(client, h["outsider"], answer["id"], (files.PDF, "answer.pdf"))[0]
    assert download(client, item["url"], h["trainee"]).status_code == 404  # has not answered
    assert download(client, item["url"], h["member"]).status_code == 200  # asked the question
    assert (
        client.delete(f"/api/v1/attachments/{item['id']}", headers=h["trainee"]).status_code == 404
    )


def test_headers_of_an_image_and_of_a_document(client, world, h):
    _d, post_id = start(client, h["member"], world.spaces["forum_public"])
    image, document = attached(
        client,
        h["member"],
        post_id,
        (files.png(), "фото.png"),
        (files.CSV, "Звіт громади «Щорічний» 2024.csv"),
    )
    shown = download(client, image["url"])
    assert shown.headers["Content-Type"] == "image/png"
    assert shown.headers["Content-Disposition"].startswith("inline;")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        "private" in shown.headers["Cache-Control"]
        and "public" not in shown.headers["Cache-Control"]
    )
    assert shown.headers["ETag"] == f'"{hashlib.sha256(files.png()).hexdigest()}"'
    again = download(client, image["url"], {"If-None-Match": shown.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    saved = download(client, document["url"])
    assert saved.data == files.CSV  # byte for byte, in its own encoding
    disposition = saved.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="Zvit hromady Shchorichnyi 2024.csv"' in disposition
    assert "filename*=UTF-8''%D0%97%D0%B2%D1%96%D1%82%20" in disposition
    assert saved.headers["Content-Type"].startswith("text/csv")
    assert saved.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in saved.headers["Content-Security-Policy"]
    assert document["filename"] == "Звіт громади «Щорічний» 2024.csv"


def test_no_address_reaches_another_file(app, client, world, h):
    secret = Path(app.instance_path) / "secret_key"
    secret.write_text("top-secret-value")
    _d, post_id = start(client, h["member"], world.spaces["forum_public"])
    item = attached(client, h["member"], post_id, (files.PDF, "a.pdf"))[0]
    odd = [
        f"/attachments/{item['id']}/..%2F..%2Fsecret_key",
        f"/attachments/{item['id']}/../../secret_key",
        f"/attachments/{item['id']}/%2e%2e%2f%2e%2e%2fsecret_key",
        "/attachments/..%2F..%2Fsecret_key/a.pdf",
        "/attachments/0/a.pdf",
        "/attachments/-1/a.pdf",
        "/attachments/99999999999999999999/a.pdf",
        "/attachments/abc/a.pdf",
        f"/attachments/{item['id']}",
        f"/attachments/{item['id'] + 1}/a.pdf",
        "/attachments/tmp/a.pdf",
    ]
    for path in odd:
        response = download(client, path)
        assert response.status_code == 404, path
        assert b"top-secret" not in response.data, path
    # The name in the address is decorative: any name gives this attachment, nothing else.
    assert download(client, f"/attachments/{item['id']}/secret_key").data == files.PDF


def test_a_request_over_the_size_limit_gets_a_clear_413(app, client, world, h):
    _d, post_id = start(client, h["member"], world.spaces["forum_signed"])
    app.config["MAX_CONTENT_LENGTH"] = 100 * 1024
    response = attach(client, h["member"], post_id, (b"x" * 200 * 1024, "big.txt"))
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == (
        "The upload is too large: at most 100 KB at once."
    )
    assert stored_files(app) == []


def test_openapi_describes_the_upload(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    upload_op = doc["paths"]["/api/v1/posts/{post_id}/attachments"]["post"]
    schema = upload_op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"]
    assert schema["properties"]["file"]["items"]["format"] == "binary"
    assert "delete" in doc["paths"]["/api/v1/attachments/{attachment_id}"]
    post_schema = doc["components"]["schemas"]["PostOut"]
    assert "attachments" in post_schema["properties"]
    assert set(doc["components"]["schemas"]["AttachmentOut"]["properties"]) == {
        "id",
        "filename",
        "size",
        "content_type",
        "url",
    }


def test_pixel_bombs_and_zip_bombs_are_refused_before_anything_unpacks(app, client, world, h):
    _d, post_id = start(client, h["member"], world.spaces["forum_signed"])
    cases = [
        (files.png_claiming(20_000, 20_000), "огляд.png", "“огляд.png” is 20000 × 20000 pixels"),
        (files.jpeg(12_000, 9_000), "фото.jpg", "“фото.jpg” is 12000 × 9000 pixels"),
        (files.zip_bomb(), "архів.zip", "“архів.zip” unpacks to too much"),
        (files.docx_bomb(), "звіт.docx", "“звіт.docx” unpacks to too much"),
    ]
    for data, name, message in cases:
        assert message in field_error(attach(client, h["member"], post_id, (data, name))), name
    assert stored_files(app) == []
    accepted = attached(
        client,
        h["member"],
        post_id,
        (files.png_claiming(8000, 6000), "план.png"),
        (files.jpeg(4000, 3000), "фото.jpg"),
    )
    assert [a["filename"] for a in accepted] == ["план.png", "фото.jpg"]
