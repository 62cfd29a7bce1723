"""Limits against abuse on the pages: sign-in per account, searches, posts; each refusal is
a 429 with Retry-After and a message in the person's language."""

from email import message_from_bytes
from pathlib import Path

import pytest

from tests.conftest import login


@pytest.fixture
def app_config():
    return {
        "COP_LOGIN_ACCOUNT_LIMIT": "3 per 15 minutes",
        "COP_SEARCH_LIMIT": "2 per minute",
        "COP_POST_LIMIT": "2 per minute",
    }


def _outbox(app) -> list:
    folder = Path(app.config["INSTANCE_PATH"]) / "outbox"
    return [message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def _from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_wrong_passwords_for_one_account_from_many_addresses_lock_it(app, make_user):
    user = make_user(locale="en")
    statuses = [login(_from(app, f"10.0.0.{n}"), user, "wrong").status_code for n in range(3)]
    assert statuses == [200, 200, 200]
    locked = login(_from(app, "10.0.0.9"), user)  # even the right password waits
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "Забагато неправильних паролів" in locked.get_data(as_text=True)
    assert _from(app, "10.0.0.9").get("/profile").status_code == 302
    login(_from(app, "10.0.0.10"), user, "wrong")
    [letter] = _outbox(app)  # one letter per lock, in the owner's language
    assert letter["To"] == user.email
    assert letter["Subject"] == "Sign-in to your account paused"


def test_an_account_lock_leaves_other_accounts_alone(app, make_user):
    locked, other = make_user(), make_user()
    for n in range(3):
        login(_from(app, f"10.0.1.{n}"), locked, "wrong")
    client = _from(app, "10.0.1.0")
    client.post("/locale/en")
    page = login(client, locked)
    assert page.status_code == 429
    assert "Too many wrong passwords for this account" in page.get_data(as_text=True)
    assert login(client, other).status_code == 302


def test_unknown_addresses_are_locked_the_same_way_without_a_letter(app):
    for n in range(3):
        assert login(_from(app, f"10.0.2.{n}"), "nobody@example.org", "x").status_code == 200
    assert login(_from(app, "10.0.2.9"), "nobody@example.org", "x").status_code == 429
    assert _outbox(app) == []


def test_searches_are_limited_per_person(app, world, login_as):
    client = login_as(world.users["member"])
    assert [client.get("/search?q=бюджет").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/search?q=бюджет")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Забагато" in refused.get_data(as_text=True)
    assert client.get("/search").status_code == 200  # the empty form costs nothing
    assert login_as(world.users["expert"]).get("/search?q=бюджет").status_code == 200


def test_searches_are_limited_per_guest_address(app):
    guest = _from(app, "10.0.3.1")
    assert [guest.get("/search?q=план").status_code for _ in range(3)] == [200, 200, 429]
    assert _from(app, "10.0.3.2").get("/search?q=план").status_code == 200


def test_posting_is_limited_per_person_with_the_text_kept(app, world, login_as):
    client = login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    new = client.post(
        f"/spaces/{forum}/discussions/new", data={"title": "Тема", "body": "Перший допис"}
    )
    assert new.status_code == 302
    discussion_page = new.headers["Location"]
    first_post = client.get(discussion_page).get_data(as_text=True).split('id="post-')[1]
    post_id = int(first_post.split('"')[0])
    reply = client.post(f"/posts/{post_id}/reply", data={"body": "Відповідь 1"})
    assert reply.status_code == 302
    refused = client.post(f"/posts/{post_id}/reply", data={"body": "Відповідь 2"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert "Забагато" in page and "Відповідь 2" in page
    another = client.post(f"/spaces/{forum}/discussions/new", data={"title": "Ще", "body": "Б"})
    assert another.status_code == 429
    assert (
        login_as(world.users["expert"])
        .post(f"/posts/{post_id}/reply", data={"body": "Я можу"})
        .status_code
        == 302
    )


def test_a_too_broad_search_asks_to_narrow_it_down(app, world, login_as):
    app.config.update(
        COP_SEARCH_LIMIT="100 per minute",
        COP_POST_LIMIT="100 per minute",
        COP_SEARCH_MAX_POSTINGS=2,
    )
    client = login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    for title in ("Бюджет громади", "Бюджет школи", "Бюджет участі"):
        client.post(f"/spaces/{forum}/discussions/new", data={"title": title, "body": "Текст"})
    broad = client.get("/search?q=бюджет")
    assert broad.status_code == 422
    assert "Пошук надто широкий" in broad.get_data(as_text=True)
    narrow = client.get("/search?q=школи")
    assert narrow.status_code == 200 and "Бюджет школи" in narrow.get_data(as_text=True)


def test_the_per_address_sign_in_limit_says_when_to_come_back(app, make_user):
    app.config["COP_LOGIN_ACCOUNT_LIMIT"] = "100 per 15 minutes"
    client = _from(app, "10.0.4.1")
    statuses = [login(client, f"person{n}@example.org", "x").status_code for n in range(11)]
    assert statuses[-1] == 429
    refused = login(client, make_user())
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
