"""Sessions as a bank runs them: a new session at each sign-in, each sign-in a device that
can be signed out on its own, idle and absolute limits, a password change ending the rest."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from cop.accounts.models import LoginSession, Role, User
from cop.db import utcnow
from cop.extensions import db
from tests.conftest import PASSWORD, login

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


def _csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _remembered(app, user, agent=FIREFOX):
    """A client signed in with 'remember me', keeping only its remember-me cookie (as a
    browser does after a restart)."""
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "remember": "y"},
        headers={"User-Agent": agent},
    )
    assert response.status_code == 302
    client.delete_cookie("session")
    return client


def _logins(app, user) -> list[LoginSession]:
    with app.app_context():
        return list(db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)))


def _age(app, user, **ago) -> None:
    """Make every sign-in of `user` look older (created and last used that long ago)."""
    with app.app_context():
        then = utcnow() - timedelta(**ago)
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == user.id)
            .values(created_at=then, last_used_at=then)
        )
        db.session.commit()


class TestSignIn:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_a_csrf_token_read_before_signing_in_is_refused_after(self, client, make_user):
        user = make_user()
        before = _csrf(client, "/login")
        signed_in = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": before}
        )
        assert signed_in.status_code == 302
        assert client.post("/logout", data={"csrf_token": before}).status_code == 400
        assert client.get("/profile").status_code == 200  # still signed in
        after = _csrf(client, "/profile")
        assert after != before
        assert client.post("/logout", data={"csrf_token": after}).status_code == 302

    def test_the_session_cookie_is_new_at_sign_in(self, client, make_user):
        user = make_user()
        client.post("/locale/en")
        token = _csrf(client, "/login")
        guest_cookie = client.get_cookie("session").value
        client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert client.get_cookie("session").value != guest_cookie
        # a copy of the guest's cookie is still a guest
        copy = client.application.test_client()
        copy.set_cookie("session", guest_cookie)
        assert copy.get("/profile").status_code == 302


def test_every_login_gets_its_own_remember_me_secret_stored_hashed(app, make_user):
    user = make_user()
    first, second = _remembered(app, user), _remembered(app, user)
    a, b = first.get_cookie("remember_token").value, second.get_cookie("remember_token").value
    assert a != b
    stored = [row.secret_hash for row in _logins(app, user)]
    assert len(stored) == 2
    for cookie in (a, b):
        secret = cookie.split("|")[0].split(".", 1)[1]
        assert all(secret not in h for h in stored)
    assert first.get("/profile").status_code == second.get("/profile").status_code == 200


def test_devices_are_listed_and_signed_out_one_by_one(app, client, make_user):
    user = make_user()
    laptop, phone = _remembered(app, user, FIREFOX), _remembered(app, user, ANDROID)
    page = laptop.get("/profile").get_data(as_text=True)
    assert "Firefox, Windows" in page and "Chrome, Android" in page
    assert page.count("(цей пристрій)") == 1
    phone_login = next(row.id for row in _logins(app, user) if "Android" in row.user_agent)
    ended = laptop.post(f"/profile/devices/{phone_login}/sign-out")
    assert ended.status_code == 302
    assert phone.get("/profile").status_code == 302  # its remember-me cookie is dead too
    assert laptop.get("/profile").status_code == 200
    assert "Android" not in laptop.get("/profile").get_data(as_text=True)


def test_someone_elses_device_cannot_be_signed_out(app, login_as, make_user):
    owner, other = make_user(), make_user()
    owners_client = login_as(owner)
    [login_row] = _logins(app, owner)
    assert login_as(other).post(f"/profile/devices/{login_row.id}/sign-out").status_code == 404
    assert owners_client.get("/profile").status_code == 200


def test_signing_out_ends_this_device_only(app, login_as, make_user):
    user = make_user()
    leaving, staying = login_as(user), login_as(user)
    leaving.post("/logout")
    assert leaving.get("/profile").status_code == 302
    assert staying.get("/profile").status_code == 200
    assert len(_logins(app, user)) == 1


def test_an_idle_session_ends(app, make_user):
    user = make_user()
    client = _remembered(app, user)
    _age(app, user, days=13)
    assert client.get("/profile").status_code == 200  # used again: idle time starts over
    _age(app, user, days=15)
    assert client.get("/profile").status_code == 302


def test_a_session_ends_after_the_absolute_limit_even_when_used(app, make_user):
    user = make_user()
    client = _remembered(app, user)
    with app.app_context():
        db.session.execute(update(LoginSession).values(created_at=utcnow() - timedelta(days=91)))
        db.session.commit()
    assert client.get("/profile").status_code == 302


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_staff_sessions_end_sooner(app, make_user, role):
    staff, member = make_user(role), make_user()
    staff_client, member_client = _remembered(app, staff), _remembered(app, member)
    _age(app, staff, hours=13)
    _age(app, member, hours=13)
    assert staff_client.get("/profile").status_code == 302
    assert member_client.get("/profile").status_code == 200
    staff_client = _remembered(app, staff)
    with app.app_context():
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == staff.id)
            .values(created_at=utcnow() - timedelta(days=8))
        )
        db.session.commit()
    assert staff_client.get("/profile").status_code == 302


def test_the_remember_me_cookie_lasts_no_longer_than_the_session_may(app, make_user):
    for role, days in ((Role.MEMBER, 90), (Role.ADMIN, 7)):
        user = make_user(role)
        response = app.test_client().post(
            "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
        )
        cookie = next(
            c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
        )
        expires = re.search(r"Expires=([^;]+)", cookie).group(1)
        from email.utils import parsedate_to_datetime

        left = parsedate_to_datetime(expires) - utcnow()
        assert timedelta(days=days - 1) < left <= timedelta(days=days)


def test_limits_come_from_the_configuration(app, make_user):
    app.config["COP_SESSION_IDLE_HOURS"] = 1
    user = make_user()
    client = _remembered(app, user)
    _age(app, user, minutes=61)
    assert client.get("/profile").status_code == 302


def test_a_password_change_ends_every_other_session_and_remember_me_cookie(app, make_user):
    user = make_user()
    here, session_elsewhere = app.test_client(), app.test_client()
    login(here, user)
    login(session_elsewhere, user)
    remembered_elsewhere = _remembered(app, user)
    changed = here.post(
        "/profile",
        data={
            "form": "password",
            "password-current_password": PASSWORD,
            "password-new_password": "новий пароль",
            "password-confirm": "новий пароль",
        },
    )
    assert changed.status_code == 302
    assert here.get("/profile").status_code == 200
    assert session_elsewhere.get("/profile").status_code == 302
    assert remembered_elsewhere.get("/profile").status_code == 302
    assert len(_logins(app, user)) == 1


def test_people_are_told_apart_by_who_they_are_not_by_their_sign_in(app, make_user):
    a, b = make_user(), make_user()
    with app.app_context():
        loaded_a = db.session.get(User, a.id)
        assert loaded_a == a and loaded_a != b and b not in [loaded_a]
