"""The reply box under a discussion is rendered once per process and kept
(cop/discussions/reply_box.py): it never outlives a change of what it shows (the forum's
file limits, the language), never gives a reader a checkbox their permissions withhold,
and its CSRF token and idempotency key stay per person and per page."""

import re

import pytest
from sqlalchemy import update

from cop.discussions.models import ForumSettings, Post
from cop.extensions import db


@pytest.fixture
def started(world, login_as):
    """Two discussions in the signed-in forum, their pages seen once by the member and a
    moderator (so their reply boxes are kept)."""
    member = login_as(world.users["member"])
    moderator = login_as(world.users["moderator"])
    urls = []
    for n in (1, 2):
        response = member.post(
            f"/spaces/{world.spaces['forum_signed']}/discussions/new",
            data={"title": f"Питання {n}", "body": "Як подати проєкт?", "idempotency_key": n},
        )
        assert response.status_code == 302
        urls.append(response.headers["Location"])
    for client in (member, moderator):
        for url in urls:
            assert 'class="reply-box"' in _page(client, url)
    return urls, member, moderator


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)


def test_the_forums_file_limits_show_at_once(app, world, started):
    urls, member, _moderator = started
    assert "Файлів — до 5, кожен не більше 5 МБ" in _page(member, urls[0])
    with app.app_context():  # as another server process would: no call into this one's cache
        db.session.merge(
            ForumSettings(
                space_id=world.spaces["forum_signed"],
                max_attachments=2,
                max_attachment_bytes=1024 * 1024,
            )
        )
        db.session.commit()
    page = _page(member, urls[0])
    assert "Файлів — до 2, кожен не більше 1 МБ" in page and "до 5" not in page
    with app.app_context():
        db.session.execute(update(ForumSettings).values(max_attachment_bytes=2 * 1024 * 1024))
        db.session.commit()
    assert "Файлів — до 2, кожен не більше 2 МБ" in _page(member, urls[0])
    with app.app_context():
        db.session.execute(update(ForumSettings).values(max_attachments=0))
        db.session.commit()
    assert 'name="file"' not in _page(member, urls[0])


def test_the_private_reply_box_only_for_whom_the_policy_allows(started):
    urls, member, moderator = started
    for url in urls:
        assert 'name="private"' in _page(moderator, url)
        assert 'name="private"' not in _page(member, url)
        assert 'name="private"' in _page(moderator, url)


def test_a_language_switch_changes_the_box(started):
    urls, member, _moderator = started
    assert "Надіслати відповідь" in _page(member, urls[0])
    member.post("/locale/en", data={"next": urls[0]})
    page = _page(member, urls[0])
    assert "Post the reply" in page and "How to format" in page
    member.post("/locale/uk", data={"next": urls[0]})
    page = _page(member, urls[0])
    assert "Надіслати відповідь" in page and "Post the reply" not in page


def test_each_discussion_keeps_its_own_draft(started):
    urls, member, _moderator = started
    for url in urls:
        path = url.split("?")[0].split("#")[0]
        assert f'data-draft-key="{path}#body"' in _page(member, url)


def test_token_and_key_are_per_person_and_page_and_the_reply_posts_once(app, started):
    urls, member, moderator = started
    first, again = _page(member, urls[0]), _page(member, urls[0])
    assert _hidden(first, "idempotency_key") != _hidden(again, "idempotency_key")
    assert _hidden(first, "csrf_token") != _hidden(_page(moderator, urls[0]), "csrf_token")
    app.config["WTF_CSRF_ENABLED"] = True  # the token the page gave must be the one checked
    action = re.search(r'<form method="post" action="([^"]+/reply)"', first).group(1)
    form = {
        "csrf_token": _hidden(first, "csrf_token"),
        "idempotency_key": _hidden(first, "idempotency_key"),
        "body": "Через сайт громади.",
    }
    for _twice in (1, 2):  # a double click
        assert member.post(action, data=form).status_code == 302
    forged = dict(form, csrf_token=_hidden(_page(moderator, urls[0]), "csrf_token"))
    assert member.post(action, data=dict(forged, idempotency_key="other")).status_code == 400
    with app.app_context():
        replies = db.session.scalars(
            db.select(Post).where(Post.body_html.contains("Через сайт громади."))
        ).all()
    assert len(replies) == 1
