"""No side channels in headers: private answers are never stored by a browser or a proxy,
and a page runs only the script tags it rendered (by nonce, never 'self')."""

import re

from tests import files
from tests.api.test_attachments import attached, start
from tests.files import download


def _script_src(response) -> str:
    csp = response.headers["Content-Security-Policy"]
    return next(d for d in csp.split("; ") if d.startswith("script-src "))


def test_pages_run_only_the_scripts_they_carry_by_nonce(client, world, h, login_as):
    discussion_id, _post = start(client, h["member"], world.spaces["forum_signed"])
    member = login_as(world.users["member"])
    seen = []
    for _ in range(2):
        response = member.get(f"/discussions/{discussion_id}")
        page = response.get_data(as_text=True)
        assert page.count("<script ") == 3  # socket.io, new replies, the composer
        nonces = set(re.findall(r'<script [^>]*nonce="([^"]+)"', page))
        assert len(nonces) == 1, "every script tag carries the response's nonce"
        [nonce] = nonces
        assert _script_src(response) == f"script-src 'nonce-{nonce}'"
        seen.append(nonce)
    assert seen[0] != seen[1]  # a new nonce for each response


def test_pages_without_scripts_allow_none(client, world):
    for path in ("/login", f"/spaces/{world.spaces['forum_public']}"):
        response = client.get(path)
        assert _script_src(response) == "script-src 'none'"
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_private_pages_and_api_answers_are_not_stored(client, world, h, login_as):
    member = login_as(world.users["member"])
    for response in (
        member.get("/"),
        member.get("/profile"),
        member.get("/api/v1/me"),
        member.get(f"/spaces/{world.spaces['forum_public']}"),  # public, but shown to one person
        client.get("/api/v1/me", headers=h["member"]),
        client.get("/api/v1/spaces", headers=h["member"]),
        client.get("/api/v1/me", headers={"Authorization": "Bearer wrong"}),  # its 401 too
    ):
        assert response.headers["Cache-Control"] == "no-store", response.request.path


def test_guest_pages_and_static_files_keep_their_caching(client, world, login_as):
    guest_page = client.get(f"/spaces/{world.spaces['forum_public']}")
    assert guest_page.status_code == 200
    assert "no-store" not in guest_page.headers.get("Cache-Control", "")
    member = login_as(world.users["member"])
    for who in (client, member):
        css = who.get("/static/css/cop.css")
        assert css.status_code == 200
        assert "no-store" not in css.headers.get("Cache-Control", "")
        css.close()


def test_downloads_are_not_stored_unless_public_and_for_a_guest(client, world, h):
    _d, public_post = start(client, h["member"], world.spaces["forum_public"])
    [public] = attached(client, h["member"], public_post, (files.png(), "фото.png"))
    _d, private_post = start(client, h["member"], world.spaces["forum_members"])
    [private] = attached(client, h["member"], private_post, (files.CSV, "бюджет.csv"))
    guest = download(client, public["url"])
    assert guest.status_code == 200 and "no-store" not in guest.headers["Cache-Control"]
    assert "private" in guest.headers["Cache-Control"]
    for item in (public, private):
        response = download(client, item["url"], h["member"])
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
