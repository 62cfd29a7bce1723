import re

import pytest

from tests.conftest import PASSWORD, bearer


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _csrf(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_forms_need_the_csrf_token(client, make_user):
    user = make_user()
    refused = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 400
    accepted = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": _csrf(client)}
    )
    assert accepted.status_code == 302
    assert client.post("/logout").status_code == 400


def test_api_writes_with_a_session_cookie_need_the_csrf_token(client, make_user):
    user = make_user()
    client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": _csrf(client)}
    )
    assert client.patch("/api/v1/me", json={"display_name": "Х"}).status_code == 400
    token = _csrf(client, "/profile")
    ok = client.patch("/api/v1/me", json={"display_name": "Х"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200


def test_bearer_tokens_need_no_csrf_token(app, client, make_user):
    headers = bearer(app, make_user())
    assert (
        client.patch("/api/v1/me", json={"display_name": "Х"}, headers=headers).status_code == 200
    )


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'none'" in csp and "unsafe-inline" not in csp  # tests/web/test_headers.py
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    api = client.get("/api/v1/spaces")
    assert api.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<script" not in page and "style=" not in page and "<style" not in page


def test_session_cookie_flags(client, make_user):
    user = make_user()
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": _csrf(client),
        },
    )
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" not in session
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember


def test_secure_cookies_when_served_over_https(monkeypatch, tmp_path):
    from cop.config import load_config

    monkeypatch.setenv("COP_HTTPS", "1")
    config = load_config({"INSTANCE_PATH": tmp_path})
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


def test_configuration_comes_from_cop_environment(monkeypatch, tmp_path):
    from cop.config import load_config

    monkeypatch.setenv("COP_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.delenv("COP_DATABASE_URL", raising=False)
    monkeypatch.setenv("COP_MAX_UPLOAD_MB", "3")
    monkeypatch.setenv("COP_LOCALE", "en")
    config = load_config()
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'cop.sqlite'}"
    assert config["MAX_CONTENT_LENGTH"] == 3 * 1024 * 1024
    assert config["BABEL_DEFAULT_LOCALE"] == "en"
    key = config["SECRET_KEY"]
    assert len(key) >= 32 and load_config()["SECRET_KEY"] == key  # kept in the instance
