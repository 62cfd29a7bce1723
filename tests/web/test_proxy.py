"""COP_PROXY_HOPS: behind a reverse proxy each client keeps its own per-address limits and
links use the public scheme; without it, forwarded headers are ignored, as anyone can
send them. Also under `cop run` (gunicorn must not read them on its own)."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from flask import url_for

from tests.servers import CopServer

LIMIT = {"COP_LOGIN_LIMIT": "2 per minute"}
WRONG = {"email": "nobody@example.org", "password": "wrong password"}


def sign_in(client, forwarded_for: str) -> int:
    return client.post("/login", data=WRONG, headers={"X-Forwarded-For": forwarded_for}).status_code


@pytest.mark.parametrize("app_config", [LIMIT])
def test_without_proxy_hops_a_forged_address_does_not_escape_the_limit(client):
    assert [sign_in(client, f"203.0.113.{n}") for n in range(3)] == [200, 200, 429]


@pytest.mark.parametrize("app_config", [LIMIT | {"COP_PROXY_HOPS": 1}])
def test_behind_one_proxy_each_forwarded_address_has_its_own_limit(client):
    assert [sign_in(client, "203.0.113.1") for _ in range(3)] == [200, 200, 429]
    assert sign_in(client, "203.0.113.2") == 200
    # The proxy appends the address it saw; only that last one is believed.
    assert sign_in(client, "198.51.100.7, 203.0.113.1") == 429


def _external_link(app, client, headers: dict) -> str:
    app.add_url_rule("/_link", "link", lambda: url_for("accounts.login", _external=True))
    return client.get("/_link", headers=headers).get_data(as_text=True)


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "cop.example.org"}


@pytest.mark.parametrize("app_config", [{"COP_PROXY_HOPS": 1}])
def test_behind_one_proxy_links_use_the_public_scheme_and_host(app, client):
    assert _external_link(app, client, FORWARDED) == "https://cop.example.org/login"


def test_without_proxy_hops_links_ignore_forwarded_headers(app, client):
    assert _external_link(app, client, FORWARDED) == "http://localhost/login"


def _attempt(opener, url: str, headers: dict) -> int:
    """A wrong sign-in through the real form: its CSRF token from the page first."""
    with opener.open(urllib.request.Request(f"{url}/login", headers=headers)) as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode())
    data = urllib.parse.urlencode({**WRONG, "csrf_token": token.group(1)}).encode()
    try:
        with opener.open(urllib.request.Request(f"{url}/login", data, headers)) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


# The first, sent as if over https without a Referer, is refused on https (CSRF's check).
ATTEMPTS = [("203.0.113.3", {"X-Forwarded-Proto": "https"})]
ATTEMPTS += [("203.0.113.1", {})] * 3 + [("203.0.113.2", {})]


def test_cop_run_honours_the_setting_and_gunicorn_leaves_the_headers_alone(app):
    env = {
        "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COP_INSTANCE_PATH": app.instance_path,
        "COP_SECRET_KEY": app.config["SECRET_KEY"],
        "COP_WORKERS": "1",
        **LIMIT,
    }
    for hops, expected in (("0", [200, 200, 429, 429, 429]), ("1", [400, 200, 200, 429, 200])):
        server = CopServer(env | {"COP_PROXY_HOPS": hops})
        try:
            server.wait_ready()
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
            )
            got = [
                _attempt(opener, server.url, {"X-Forwarded-For": address, **extra})
                for address, extra in ATTEMPTS
            ]
            assert got == expected, f"COP_PROXY_HOPS={hops}"
        finally:
            server.stop()
