"""A post card's shared part (author, text, files) is rendered once and kept per process
(cop/discussions/cards.py): it never outlives the change that should alter it, whether
that change came through the site or from another process writing to the database, and
it never shows a reader what their own permissions hide."""

import re

import pytest
from sqlalchemy import delete, update

from cop.accounts.models import User
from cop.attachments.models import Attachment
from cop.discussions.models import Post
from cop.extensions import db
from cop.spaces.models import SpaceMembership
from tests import files
from tests.files import upload


@pytest.fixture
def card(world, login_as):
    """A discussion started by the member in the members-only forum, with a file, and the
    page already seen by the member and the moderator (so their cards are kept)."""
    member = login_as(world.users["member"])
    started = member.post(
        f"/spaces/{world.spaces['forum_members']}/discussions/new",
        data={
            "title": "Бюджет участі",
            "body": "Перша редакція правил.",
            "idempotency_key": "k1",
            "file": [upload(files.CSV, "Кошторис.csv")],
        },
        content_type="multipart/form-data",
    )
    assert started.status_code == 302
    url = started.headers["Location"]
    page = member.get(url).get_data(as_text=True)
    post_id = int(re.search(r'id="post-(\d+)"', page).group(1))
    moderator = login_as(world.users["moderator"])
    for client in (member, moderator):
        page = client.get(url).get_data(as_text=True)
        assert "Перша редакція правил." in page and "Кошторис.csv" in page
    return url, post_id, member, moderator


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_edit_shows_at_once_to_everyone(card):
    url, post_id, member, moderator = card
    edited = member.post(f"/posts/{post_id}/edit", data={"body": "Друга редакція правил."})
    assert edited.status_code == 302
    for client in (member, moderator):
        page = _page(client, url)
        assert "Друга редакція правил." in page
        assert "Перша редакція правил." not in page


def test_an_edit_made_by_another_process_shows_at_once(app, card):
    url, post_id, member, moderator = card
    with app.app_context():  # as another server process would: no call into this one's cache
        db.session.execute(
            update(Post).where(Post.id == post_id).values(body_html="<p>Змінено деінде.</p>")
        )
        db.session.commit()
    for client in (member, moderator):
        page = _page(client, url)
        assert "Змінено деінде." in page and "Перша редакція правил." not in page


def test_a_moderators_hide_shows_at_once_and_only_to_whom_it_should(world, login_as, card):
    url, post_id, member, moderator = card
    forum_moderator = login_as(world.users["space_moderator"])  # moderates this forum too
    assert "Перша редакція правил." in _page(forum_moderator, url)
    assert moderator.post(f"/posts/{post_id}/hide", data={"restore": "0"}).status_code == 302
    for client in (moderator, member):  # the author still reads it, marked hidden from others
        page = _page(client, url)
        assert "Перша редакція правил." in page
        assert "приховано від інших" in page
    other = login_as(world.users["admin"])
    assert "Перша редакція правил." in _page(other, url)
    assert moderator.post(f"/posts/{post_id}/hide", data={"restore": "1"}).status_code == 302
    assert "приховано від інших" not in _page(member, url)


def test_a_hidden_post_kept_for_moderators_never_reaches_a_reader(world, login_as, card):
    url, post_id, member, moderator = card
    with_access = login_as(world.users["space_moderator"])
    # a reader without moderation rights who may see the forum: join as a plain member
    reader = login_as(world.users["outsider"])
    app = member.application
    with app.app_context():
        db.session.add(
            SpaceMembership(
                space_id=world.spaces["forum_members"], user_id=world.users["outsider"].id
            )
        )
        db.session.commit()
    assert moderator.post(f"/posts/{post_id}/hide", data={"restore": "0"}).status_code == 302
    assert "Перша редакція правил." in _page(with_access, url)  # kept for moderators now
    page = _page(reader, url)
    assert "Перша редакція правил." not in page and "Кошторис.csv" not in page
    assert "Цей допис приховав модератор." in page


def test_an_authors_rename_by_another_process_shows_at_once(app, world, card):
    url, _post_id, member, moderator = card
    assert "member" in _page(moderator, url)
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.id == world.users["member"].id)
            .values(display_name="Оксана Коваленко")
        )
        db.session.commit()
    for client in (moderator, member):
        assert re.search(r">Оксана Коваленко</a>", _page(client, url))


def test_a_language_switch_changes_the_kept_part_too(card):
    url, _post_id, member, _moderator = card
    assert "Член комітету" in _page(member, url)
    member.post("/locale/en", data={"next": url})
    page = _page(member, url)
    assert "Committee member" in page and "Член комітету" not in page
    member.post("/locale/uk", data={"next": url})
    assert "Член комітету" in _page(member, url)


def test_a_removed_file_disappears_at_once(app, card):
    url, _post_id, member, moderator = card
    with app.app_context():  # another process removes it
        db.session.execute(delete(Attachment))
        db.session.commit()
    for client in (member, moderator):
        assert "Кошторис.csv" not in _page(client, url)


def test_a_revoked_membership_closes_the_page_like_a_missing_one(app, world, card):
    url, _post_id, member, _moderator = card
    with app.app_context():
        db.session.execute(
            delete(SpaceMembership).where(
                SpaceMembership.space_id == world.spaces["forum_members"],
                SpaceMembership.user_id == world.users["member"].id,
            )
        )
        db.session.commit()
    gone, missing = member.get(url), member.get("/discussions/999999")
    assert gone.status_code == missing.status_code == 404
    assert "Перша редакція правил." not in gone.get_data(as_text=True)


def test_a_guest_never_gets_a_members_profile_link(app, world, login_as, make_user):
    member = login_as(world.users["member"])
    started = member.post(
        f"/spaces/{world.spaces['forum_public']}/discussions/new",
        data={"title": "Відкрите питання", "body": "Для всіх.", "idempotency_key": "p1"},
    )
    url = started.headers["Location"]
    assert re.search(r'<a href="/people/\d+">member</a>', _page(member, url))
    guest_page = _page(app.test_client(), url)
    assert "member" in guest_page and not re.search(r'<a href="/people/\d+">member</a>', guest_page)


def test_the_readers_own_marks_stay_per_person(world, login_as, card):
    """Beside the kept part: who found the post useful, whether it has earlier versions
    (History) and whether a reply already stops its author from deleting it."""
    url, post_id, member, moderator = card
    expert = login_as(world.users["space_moderator"])
    history = f'href="/posts/{post_id}/history"'
    delete = f'action="/posts/{post_id}/delete"'
    assert history not in _page(member, url) and delete in _page(member, url)
    assert expert.post(f"/posts/{post_id}/useful", data={"useful": "1"}).status_code == 302
    assert 'aria-pressed="true"' in _page(expert, url)
    assert 'aria-pressed="true"' not in _page(moderator, url)
    assert (
        member.post(f"/posts/{post_id}/edit", data={"body": "Друга редакція."}).status_code == 302
    )
    assert history in _page(member, url)
    replied = expert.post(f"/posts/{post_id}/reply", data={"body": "Так.", "idempotency_key": "r"})
    assert replied.status_code == 302
    assert delete not in _page(member, url)  # the author may no longer delete it
    assert delete in _page(moderator, url)  # a moderator still may
