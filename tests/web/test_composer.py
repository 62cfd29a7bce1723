"""The composer's server side: the preview is the HTML the text is stored with, only for
signed-in people, behind the CSRF token, the length cap and a rate limit; text fields say
"Текст" and lead to the formatting help, in Ukrainian and English."""

import re

import pytest

from cop.text import BODY_MAX

TRICKY = (
    "**Увага** _громадо_: [закон](https://zakon.rada.gov.ua/) і [погане](javascript:alert(1))\n\n"
    "> цитата з <script>alert(1)</script>\n\n"
    "- один\n- два\n\n"
    "| Село | Люди |\n| --- | --- |\n| Липки | 820 |\n\n"
    "![мапа громади](https://example.org/map.png)\n\n"
    "    код\n\n"
    "@nobody.here дивіться\u0301  "
)


@pytest.fixture
def app_config():
    return {"COP_PREVIEW_LIMIT": "3 per minute"}


def _preview(client, body, **kwargs):
    return client.post("/api/v1/text/preview", json={"body": body}, **kwargs)


def test_the_preview_is_the_html_the_reply_is_stored_with(world, login_as, client, h):
    member = login_as(world.users["member"])
    preview = _preview(member, TRICKY)
    assert preview.status_code == 200
    html = preview.get_json()["html"]
    assert "<strong>Увага</strong>" in html and "<script>" not in html
    started = member.post(
        f"/spaces/{world.spaces['forum_signed']}/discussions/new",
        data={"title": "Тема", "body": "Перший допис", "idempotency_key": "k"},
    )
    discussion_id = int(started.headers["Location"].rsplit("/", 1)[1])
    page = member.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    first_id = re.search(r'id="post-(\d+)"', page).group(1)
    replied = member.post(f"/posts/{first_id}/reply", data={"body": TRICKY, "idempotency_key": "r"})
    assert replied.status_code == 302
    posts = client.get(f"/api/v1/discussions/{discussion_id}/posts", headers=h["member"])
    assert posts.get_json()["items"][1]["body_html"] == html


def test_the_preview_is_for_signed_in_people_with_the_csrf_token(app, world, login_as, client):
    assert _preview(client, "текст").status_code == 401
    member = login_as(world.users["member"])
    app.config["WTF_CSRF_ENABLED"] = True  # as in production, once signed in
    refused = _preview(member, "текст")
    assert refused.status_code == 400
    assert "Оновіть сторінку" in refused.get_json()["error"]["message"]
    page = member.get(f"/spaces/{world.spaces['forum_signed']}/discussions/new")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    allowed = _preview(member, "текст", headers={"X-CSRFToken": token.group(1)})
    assert allowed.get_json() == {"html": "<p>текст</p>\n"}


def test_the_preview_refuses_what_a_post_refuses_and_is_rate_limited(world, h, client):
    too_long = _preview(client, "я" * (BODY_MAX + 1), headers=h["member"])
    assert too_long.status_code == 422
    assert "20000" in too_long.get_json()["error"]["fields"]["body"]
    empty = _preview(client, " \n ", headers=h["member"])
    assert empty.status_code == 422 and empty.get_json()["error"]["fields"]["body"]
    previews = [_preview(client, word, headers=h["member"]) for word in ("раз", "два", "три")]
    assert [p.status_code for p in previews] == [200, 200, 200]
    limited = _preview(client, "чотири", headers=h["member"])
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert _preview(client, "інший", headers=h["expert"]).status_code == 200


def test_text_fields_say_text_and_lead_to_the_formatting_help(world, login_as, client):
    member = login_as(world.users["member"])
    page = member.get(f"/spaces/{world.spaces['forum_signed']}/discussions/new")
    html = page.get_data(as_text=True)
    assert "Markdown" not in html
    assert re.search(r'<label for="body">Текст</label>', html)
    assert 'href="/help/formatting"' in html and "Перегляд" in html and "data-composer" in html
    assert client.get("/help/formatting").status_code == 200  # guests may read it too
    help_uk = member.get("/help/formatting").get_data(as_text=True)
    assert "Як оформити текст" in help_uk
    assert "<strong>важливо</strong>" in help_uk  # the example, rendered by the pipeline
    member.post("/locale/en", data={"next": "/help/formatting"})
    help_en = member.get("/help/formatting").get_data(as_text=True)
    assert "How to format a text" in help_en and "<strong>important</strong>" in help_en
