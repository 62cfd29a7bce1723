"""A password change made through one server process closes the sockets another process
holds for the person's other sign-ins (through Redis, as deactivation does)."""

import re

import requests

from tests.conftest import PASSWORD
from tests.servers import NS, Recorder, two_servers_over_redis


def _csrf(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=10).text
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _sign_in(url: str, user) -> requests.Session:
    browser = requests.Session()
    token = _csrf(browser, f"{url}/login")
    response = browser.post(
        f"{url}/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text
    return browser


def _cookies(browser: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


def test_a_password_change_closes_the_other_sign_ins_sockets_on_every_process(
    app, world, served_env
):
    with two_servers_over_redis(served_env) as (first, second):
        sockets = []
        try:
            member = world.users["member"]
            here, elsewhere = _sign_in(first.url, member), _sign_in(second.url, member)
            other = Recorder(second.url, None, cookies=_cookies(elsewhere))
            own = Recorder(second.url, None, cookies=_cookies(here))
            sockets += [other, own]
            changed = here.post(
                f"{first.url}/profile",
                data={
                    "form": "password",
                    "password-current_password": PASSWORD,
                    "password-new_password": "новий пароль",
                    "password-confirm": "новий пароль",
                    "csrf_token": _csrf(here, f"{first.url}/profile"),
                },
                allow_redirects=False,
                timeout=10,
            )
            assert changed.status_code == 302
            other.wait_for(lambda: NS not in other.client.namespaces)
            assert [e["code"] for e in other.named("error")] == ["signed_out"]
            assert NS in own.client.namespaces  # this sign-in's socket stays
            assert elsewhere.get(f"{second.url}/profile", allow_redirects=False).status_code == 302
        finally:
            for socket in sockets:
                socket.close()
