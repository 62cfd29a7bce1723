import re
import socket
from email import message_from_bytes
from pathlib import Path

import pytest

from cop.accounts.models import Role, User
from cop.accounts.service import send_password_resets
from cop.extensions import db
from tests.conftest import PASSWORD, bearer, login, without_csrf


def _outbox(app) -> list:
    """The mail sent, once the background worker has mailed the reset links asked for."""
    with app.app_context():
        send_password_resets()
    folder = Path(app.config["INSTANCE_PATH"]) / "outbox"
    return [message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def _without_values(response) -> str:
    """Also drop the echoed email, which differs on purpose."""
    return re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))


def _link(message) -> str:
    body = message.get_payload(decode=True).decode()
    return re.search(r"http://cop\.test(/\S+)", body).group(1)


def test_sign_in_and_out(client, make_user):
    user = make_user(Role.MEMBER, display_name="Галина")
    response = login(client, user)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Галина" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    assert client.get("/profile").status_code == 302


def test_a_cookie_copied_before_signing_out_no_longer_signs_in(app, client, make_user):
    user = make_user(Role.MEMBER, display_name="Галина")
    login(client, user)
    copy = app.test_client()
    cookie = client.get_cookie("session")
    copy.set_cookie(cookie.key, cookie.value)
    assert copy.get("/profile").status_code == 200
    client.post("/logout")
    assert copy.get("/profile").status_code == 302


def test_wrong_email_and_wrong_password_look_the_same(client, make_user):
    user = make_user()
    wrong_password = login(client, user, "not the password")
    wrong_email = login(client, "nobody@example.org", "not the password")
    assert wrong_password.status_code == wrong_email.status_code == 200

    assert _without_values(wrong_password) == _without_values(wrong_email)


def test_api_token_answers_the_same_for_wrong_email_and_password(client, make_user):
    user = make_user()
    a = client.post("/api/v1/auth/token", json={"email": user.email, "password": "nope"})
    b = client.post("/api/v1/auth/token", json={"email": "x@example.org", "password": "nope"})
    assert a.status_code == b.status_code == 401
    assert a.get_json() == b.get_json()


def test_deactivated_people_cannot_sign_in(app, client, make_user):
    user = make_user(active=False)
    assert login(client, user).status_code == 200
    assert client.get("/profile").status_code == 302


def test_login_is_rate_limited(client, make_user):
    user = make_user()
    statuses = [login(client, user, "wrong").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    assert login(client, user).status_code == 429  # even the right password waits


def test_token_endpoint_is_rate_limited(client):
    body = {"email": "x@example.org", "password": "wrong"}
    statuses = [client.post("/api/v1/auth/token", json=body).status_code for _ in range(11)]
    assert statuses[-1] == 429
    assert client.post("/api/v1/auth/token", json=body).get_json()["error"]["status"] == 429


def test_login_redirects_only_within_the_site(client, make_user):
    user = make_user()
    for target, expected in (
        ("/spaces", "/spaces"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
    ):
        client.post("/logout")
        response = client.post(
            f"/login?next={target}", data={"email": user.email, "password": PASSWORD}
        )
        assert response.headers["Location"] == expected


def test_invitation_sets_the_password_once(app, client, make_user):
    admin = bearer(app, make_user(Role.ADMIN))
    created = client.post(
        "/api/v1/users",
        headers=admin,
        json={"email": "Nova.Osoba@Example.org", "display_name": "Нова Особа", "role": "member"},
    )
    assert created.status_code == 201
    assert created.get_json()["email"] == "nova.osoba@example.org"
    [mail] = _outbox(app)
    assert mail["To"] == "nova.osoba@example.org"
    link = _link(mail)
    assert login(client, "nova.osoba@example.org", "any password").status_code == 200
    page = client.get(link)
    assert page.status_code == 200 and "Нова Особа" in page.get_data(as_text=True)
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert short.status_code == 200
    done = client.post(link, data={"password": "новий пароль 1", "confirm": "новий пароль 1"})
    assert done.status_code == 302
    assert client.get("/profile").status_code == 200
    assert app.test_client().get(link).status_code == 404  # used once
    client.post("/logout")
    assert login(client, "nova.osoba@example.org", "новий пароль 1").status_code == 302


def test_password_reset_says_nothing_about_unknown_addresses(app, client, make_user):
    user = make_user()
    unknown = client.post("/reset", data={"email": "nobody@example.org"}, follow_redirects=True)
    known = client.post("/reset", data={"email": user.email}, follow_redirects=True)
    assert without_csrf(unknown.get_data(as_text=True)) == without_csrf(
        known.get_data(as_text=True)
    )
    [mail] = _outbox(app)
    assert mail["To"] == user.email


def test_password_reset_signs_out_old_sessions(app, login_as, make_user):
    user = make_user()
    old_session = login_as(user)
    client = app.test_client()
    client.post("/reset", data={"email": user.email})
    link = _link(_outbox(app)[0])
    assert (
        client.post(
            link, data={"password": "ще один пароль", "confirm": "ще один пароль"}
        ).status_code
        == 302
    )
    assert old_session.get("/profile").status_code == 302
    assert client.get("/profile").status_code == 200


def test_expired_reset_link(app, client, make_user):
    app.config["COP_RESET_HOURS"] = 0
    user = make_user()
    client.post("/reset", data={"email": user.email})
    assert client.get(_link(_outbox(app)[0])).status_code == 404


def test_profile_and_password_change(app, login_as, make_user):
    user = make_user()
    client, other = login_as(user), login_as(user)
    saved = client.post(
        "/profile",
        data={"form": "profile", "profile-display_name": "Оксана", "profile-locale": "en"},
    )
    assert saved.status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    assert 'lang="en"' in page and "Оксана" in page
    wrong = client.post(
        "/profile",
        data={
            "form": "password",
            "password-current_password": "nope",
            "password-new_password": "новий пароль",
            "password-confirm": "новий пароль",
        },
    )
    assert wrong.status_code == 200
    changed = client.post(
        "/profile",
        data={
            "form": "password",
            "password-current_password": PASSWORD,
            "password-new_password": "новий пароль",
            "password-confirm": "новий пароль",
        },
    )
    assert changed.status_code == 302
    assert client.get("/profile").status_code == 200  # this session stays
    assert other.get("/profile").status_code == 302  # the other one is signed out


def test_tokens_can_be_listed_and_revoked(app, client, make_user):
    user = make_user()
    response = client.post(
        "/api/v1/auth/token", json={"email": user.email, "password": PASSWORD, "name": "скрипт"}
    )
    assert response.status_code == 201
    token = response.get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["email"] == user.email
    listed = client.get("/api/v1/auth/tokens", headers=headers).get_json()["items"]
    assert [t["name"] for t in listed] == ["скрипт"] and "token" not in listed[0]
    with app.app_context():
        from cop.accounts.models import AccessToken

        stored = db.session.get(AccessToken, token["id"]).token_hash
        assert token["token"] not in stored
    assert client.delete(f"/api/v1/auth/tokens/{token['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_someone_elses_token_cannot_be_revoked(app, client, make_user):
    a, b = make_user(), make_user()
    headers_a, headers_b = bearer(app, a), bearer(app, b)
    token_b = client.get("/api/v1/auth/tokens", headers=headers_b).get_json()["items"][0]
    assert (
        client.delete(f"/api/v1/auth/tokens/{token_b['id']}", headers=headers_a).status_code == 404
    )
    assert client.get("/api/v1/me", headers=headers_b).status_code == 200


def test_deactivation_ends_sessions_and_tokens(app, client, login_as, make_user):
    user = make_user()
    session = login_as(user)
    token = bearer(app, user)
    admin = bearer(app, make_user(Role.ADMIN))
    assert (
        client.patch(f"/api/v1/users/{user.id}", headers=admin, json={"active": False}).status_code
        == 200
    )
    assert session.get("/profile").status_code == 302
    assert client.get("/api/v1/me", headers=token).status_code == 401


def test_moderators_invite_but_do_not_make_staff(app, client, make_user):
    moderator = bearer(app, make_user(Role.MODERATOR))
    ok = client.post(
        "/api/v1/users",
        headers=moderator,
        json={"email": "expert.new@example.org", "display_name": "Експерт", "role": "expert"},
    )
    assert ok.status_code == 201
    staff = client.post(
        "/api/v1/users",
        headers=moderator,
        json={"email": "admin.new@example.org", "display_name": "Адмін", "role": "admin"},
    )
    assert staff.status_code == 403
    promote = client.patch(
        f"/api/v1/users/{ok.get_json()['id']}", headers=moderator, json={"role": "moderator"}
    )
    assert promote.status_code == 403


def test_people_see_only_themselves(app, client, make_user):
    a, b = make_user(), make_user()
    headers = bearer(app, a)
    assert client.get(f"/api/v1/users/{a.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/users/{b.id}", headers=headers).status_code == 404
    patched = client.patch("/api/v1/me", headers=headers, json={"display_name": "Нове ім’я"})
    assert patched.get_json()["display_name"] == "Нове ім’я"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Inbox(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_mail_goes_to_a_real_smtp_server(app, client, make_user, smtp_server):
    controller, inbox = smtp_server
    app.config["COP_SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    user = make_user()
    client.post("/reset", data={"email": user.email})
    assert inbox.messages == []  # the request only queues it
    with app.app_context():
        assert send_password_resets() == 1
    [message] = inbox.messages
    assert message["To"] == user.email
    assert "http://cop.test/reset/" in message.get_payload(decode=True).decode()
    assert not (Path(app.config["INSTANCE_PATH"]) / "outbox").exists()


def test_cli_create_user(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Op@Example.org",
            "--name",
            "Оператор",
            "--password",
            "довгий пароль",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        from sqlalchemy import select

        user = db.session.scalar(select(User).where(User.email == "op@example.org"))
        assert user.role == Role.ADMIN
    again = runner.invoke(
        args=[
            "create-user",
            "--email",
            "op@example.org",
            "--name",
            "X",
            "--password",
            "довгий пароль",
        ]
    )
    assert again.exit_code != 0
