"""Personal data: a person downloads everything cop holds about them, and an administrator
erases a person, whose posts stay under a placeholder while everything personal goes."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cop.accounts.models import User
from cop.extensions import db
from cop.moderation.models import AuditEntry
from cop.notifications.models import DiscussionSubscription, Notification
from cop.spaces.models import SpaceMembership
from tests import files
from tests.conftest import login
from tests.files import upload


def start(client, headers, space_id, title, body):
    response = client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": body},
    )
    assert response.status_code == 201, response.get_json()
    discussion_id = response.get_json()["id"]
    posts = client.get(f"/api/v1/discussions/{discussion_id}/posts", headers=headers)
    return discussion_id, posts.get_json()["items"][0]["id"]


def attach(client, headers, post_id, data, name):
    response = client.post(
        f"/api/v1/posts/{post_id}/attachments",
        headers=headers,
        data={"file": [upload(data, name)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["items"][0]


def reply(client, headers, discussion_id, body):
    response = client.post(
        f"/api/v1/discussions/{discussion_id}/posts", headers=headers, json={"body": body}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def stored_files(app) -> list[Path]:
    root = Path(app.instance_path) / "attachments"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def history(client, world, h):
    """The member opens a discussion with a file, the outsider replies mentioning them."""
    forum = world.spaces["forum_signed"]
    discussion_id, post_id = start(
        client, h["member"], forum, "Бюджет громади", "Наш бюджет: таблиця в додатку"
    )
    attach(client, h["member"], post_id, files.png(seed=7), "budget.png")
    reply(client, h["outsider"], discussion_id, "Дякуємо, @member1, чужа відповідь")
    return discussion_id, post_id


def download(client, headers) -> zipfile.ZipFile:
    response = client.get("/api/v1/me/data", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_a_person_downloads_their_data_with_their_files_and_nothing_of_others(
    client, world, h, history
):
    archive = download(client, h["member"])
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == world.users["member"].email
    assert data["account"]["display_name"] == "member"
    assert [d["title"] for d in data["discussions_started"]] == ["Бюджет громади"]
    bodies = [p["body"] for p in data["posts"]]
    assert bodies == ["Наш бюджет: таблиця в додатку"]
    assert "чужа відповідь" not in archive.read("data.json").decode()
    assert [a["filename"] for a in data["attachments"]] == ["budget.png"]
    assert data["api_tokens"][0]["name"] == "test"
    assert "token_hash" not in json.dumps(data["api_tokens"])
    assert data["space_memberships"][0]["space_id"] == world.spaces["forum_members"]
    files_in = [n for n in archive.namelist() if n.startswith("files/")]
    assert len(files_in) == 1 and files_in[0].endswith("budget.png")
    assert archive.read(files_in[0]) == files.png(seed=7)


def test_the_outsider_gets_their_own_reply_and_notification_not_the_members_file(
    client, h, history
):
    data = json.loads(download(client, h["outsider"]).read("data.json"))
    assert [p["body"] for p in data["posts"]] == ["Дякуємо, @member1, чужа відповідь"]
    assert data["attachments"] == []
    assert data["discussion_subscriptions"][0]["discussion_id"] == history[0]


def test_a_guest_cannot_download_anything(client):
    response = client.get("/api/v1/me/data")
    assert response.status_code == 401
    assert response.get_json()["error"]["message"]
    page = client.get("/profile/data")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_the_profile_page_offers_the_download(app, client, world, history):
    login(client, world.users["member"])
    page = client.get("/profile").get_data(as_text=True)
    assert 'href="/profile/data"' in page
    response = client.get("/profile/data")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert json.loads(archive.read("data.json"))["account"]["username"] == "member1"


def test_the_openapi_document_describes_both_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "application/zip" in paths["/api/v1/me/data"]["get"]["responses"]["200"]["content"]
    assert "204" in paths["/api/v1/users/{user_id}"]["delete"]["responses"]


def test_erasure_keeps_the_thread_and_removes_the_person(app, client, world, h, history):
    discussion_id, post_id = history
    member = world.users["member"]
    with app.app_context():
        notified = db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id == member.id)
        )
    response = client.delete(f"/api/v1/users/{member.id}", headers=h["admin"])
    assert response.status_code == 204

    # The thread stays whole: the first post and the reply, under a placeholder.
    posts = client.get(f"/api/v1/discussions/{discussion_id}/posts", headers=h["outsider"])
    items = posts.get_json()["items"]
    assert [p["body"] for p in items] == [
        "Наш бюджет: таблиця в додатку",
        "Дякуємо, @member1, чужа відповідь",
    ]
    assert items[0]["author"]["display_name"] == "Видалений користувач"
    page = login(client, world.users["outsider"]) and client.get(f"/discussions/{discussion_id}")
    text = page.get_data(as_text=True)
    assert "Видалений користувач" in text and "Наш бюджет" in text
    assert ">member<" not in text

    # The file is gone from the disk and from the post.
    assert stored_files(app) == []
    assert items[0]["attachments"] == []

    # Nothing to sign in with: password, token, session.
    assert app.test_client().get("/api/v1/me", headers=h["member"]).status_code == 401
    assert login(app.test_client(), member).status_code == 200  # the form again
    with app.app_context():
        user = db.session.get(User, member.id)
        assert user.email == f"erased-{member.id}@erased.invalid"
        assert user.display_name == "Видалений користувач"
        assert user.username != "member1" and not user.active and user.password_hash is None
        for model in (Notification, DiscussionSubscription, SpaceMembership):
            left = select(func.count()).select_from(model).where(model.user_id == member.id)
            assert db.session.scalar(left) == 0, model
        assert notified is not None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.erased"))
        assert (entry.actor_id, entry.target_id) == (world.users["admin"].id, member.id)


def test_search_finds_the_post_but_no_longer_by_the_persons_name(client, world, h, history):
    assert (
        client.get(
            "/api/v1/search", query_string={"q": "author:member бюджет"}, headers=h["outsider"]
        ).get_json()["total"]
        == 1
    )
    client.delete(f"/api/v1/users/{world.users['member'].id}", headers=h["admin"])
    by_name = client.get(
        "/api/v1/search", query_string={"q": "author:member бюджет"}, headers=h["outsider"]
    ).get_json()
    assert by_name["total"] == 0
    found = client.get(
        "/api/v1/search", query_string={"q": "бюджет"}, headers=h["outsider"]
    ).get_json()
    assert found["total"] == 1
    assert found["items"][0]["posts"][0]["author"] == "Видалений користувач"


def test_bytes_shared_with_someone_elses_file_stay(app, client, world, h, history):
    discussion_id, _post = history
    theirs = reply(client, h["outsider"], discussion_id, "Та сама таблиця")
    attach(client, h["outsider"], theirs, files.png(seed=7), "copy.png")
    client.delete(f"/api/v1/users/{world.users['member'].id}", headers=h["admin"])
    assert len(stored_files(app)) == 1
    post = client.get(f"/api/v1/posts/{theirs}", headers=h["outsider"]).get_json()
    assert post["attachments"][0]["filename"] == "copy.png"


@pytest.mark.parametrize("who", ["moderator", "member", "space_moderator"])
def test_only_an_administrator_erases(client, world, h, who):
    response = client.delete(f"/api/v1/users/{world.users['outsider'].id}", headers=h[who])
    assert response.status_code in (403, 404)
    assert client.get("/api/v1/me", headers=h["outsider"]).status_code == 200


def test_an_administrator_cannot_erase_themselves(client, world, h):
    response = client.delete(f"/api/v1/users/{world.users['admin'].id}", headers=h["admin"])
    assert response.status_code == 409
    assert client.get("/api/v1/me", headers=h["admin"]).status_code == 200


def test_an_erased_account_cannot_be_given_back(client, world, h):
    member = world.users["member"]
    assert client.delete(f"/api/v1/users/{member.id}", headers=h["admin"]).status_code == 204
    patch = client.patch(f"/api/v1/users/{member.id}", headers=h["admin"], json={"active": True})
    assert patch.status_code == 403
    again = client.delete(f"/api/v1/users/{member.id}", headers=h["admin"])
    assert again.status_code == 204


def test_the_admin_page_erases_after_the_email_is_typed(app, client, world, history):
    member = world.users["member"]
    login(client, world.users["admin"])
    page = client.get(f"/admin/users/{member.id}").get_data(as_text=True)
    assert f"/admin/users/{member.id}/erase" in page
    wrong = client.post(f"/admin/users/{member.id}/erase", data={"confirm": "someone@else.org"})
    assert wrong.status_code == 302
    with app.app_context():
        assert db.session.get(User, member.id).erased_at is None
    client.post(f"/admin/users/{member.id}/erase", data={"confirm": member.email})
    with app.app_context():
        assert db.session.get(User, member.id).erased_at is not None
    log = client.get("/moderation/audit").get_data(as_text=True)
    assert f"№ {member.id}" in log or f"No. {member.id}" in log


def test_a_moderator_sees_no_erase_form(client, world):
    login(client, world.users["moderator"])
    page = client.get(f"/admin/users/{world.users['member'].id}").get_data(as_text=True)
    assert "/erase" not in page
