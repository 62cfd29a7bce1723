"""A discussion page's posts part is kept per person across requests
(cop/discussions/page_posts.py): it never outlives a write that should change it, made
through the site or by another process, nor the moment the clock changes it (a relative
date, the edit window), and each session gets its own CSRF token in it."""

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, update

from cop.accounts.erasure import erase_person
from cop.accounts.models import User
from cop.db import utcnow
from cop.discussions import service
from cop.discussions.models import Discussion, DiscussionStar, DiscussionTag, Post
from cop.extensions import db
from cop.notifications.models import DiscussionSubscription
from cop.spaces.models import Space, SpaceMembership, SpaceRole


@pytest.fixture
def talk(app, world):
    """A discussion by the space moderator in the signed-in forum with the outsider's
    reply; returns its URL and the two post ids."""
    with app.app_context():
        space = db.session.get(Space, world.spaces["forum_signed"])
        author = db.session.get(User, world.users["space_moderator"].id)
        discussion = service.start_discussion(author, space, title="Ремонт школи", body="Почнімо.")
        first = service.first_post(discussion).id
        outsider = db.session.get(User, world.users["outsider"].id)
        reply = service.reply(outsider, discussion, body="Кошторис готовий.").id
        return f"/discussions/{discussion.id}", first, reply


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _seen_twice(client, url) -> str:
    """The page as worked out, then as kept (the first view marks the posts read)."""
    _page(client, url)
    return _page(client, url)


def _write_post(app, post_id, **values) -> None:
    """As another server process would: straight to the database."""
    with app.app_context():
        db.session.execute(update(Post).where(Post.id == post_id).values(**values))
        db.session.commit()


def test_a_reply_from_another_process_shows_at_once_marked_new(app, world, login_as, talk):
    url, _first, _reply = talk
    member = login_as(world.users["member"])
    assert "Нова думка." not in _seen_twice(member, url)
    with app.app_context():
        discussion = db.session.get(Discussion, int(url.rsplit("/", 1)[1]))
        expert = db.session.get(User, world.users["space_moderator"].id)
        new_id = service.reply(expert, discussion, body="Нова думка.").id
    page = _page(member, url)
    assert "Нова думка." in page and f'<article class="post unread" id="post-{new_id}"' in page
    assert f'<article class="post" id="post-{new_id}"' in _page(member, url)  # read now


def test_a_role_given_and_taken_elsewhere_changes_the_actions(app, world, login_as, talk):
    url, _first, reply = talk
    member = login_as(world.users["member"])
    hide = f'action="/posts/{reply}/hide"'
    assert hide not in _seen_twice(member, url)

    def make(moderator: bool):
        with app.app_context():
            space, user = world.spaces["forum_signed"], world.users["member"].id
            if moderator:
                db.session.execute(
                    insert(SpaceMembership).values(
                        space_id=space, user_id=user, role=SpaceRole.MODERATOR
                    )
                )
            else:
                db.session.execute(
                    delete(SpaceMembership).where(
                        SpaceMembership.space_id == space, SpaceMembership.user_id == user
                    )
                )
            db.session.commit()

    make(moderator=True)
    assert hide in _page(member, url)
    make(moderator=False)
    assert hide not in _page(member, url)


def test_a_moderators_hide_shows_at_once_to_a_reader(world, login_as, talk):
    url, _first, reply = talk
    member, moderator = login_as(world.users["member"]), login_as(world.users["moderator"])
    assert "Кошторис готовий." in _seen_twice(member, url)
    assert moderator.post(f"/posts/{reply}/hide", data={"restore": "0"}).status_code == 302
    page = _page(member, url)
    assert "Кошторис готовий." not in page and "Цей допис приховав модератор." in page


def test_an_erased_author_leaves_the_kept_page_at_once(app, world, login_as, talk):
    url, _first, _reply = talk
    member = login_as(world.users["member"])
    assert re.search(r'<a href="/people/\d+">outsider</a>', _seen_twice(member, url))
    with app.app_context():
        erase_person(
            db.session.get(User, world.users["admin"].id),
            db.session.get(User, world.users["outsider"].id),
        )
    page = _page(member, url)
    assert "Кошторис готовий." in page and "outsider" not in page


def _sleep_until(moment) -> None:
    """Let the clock alone pass `moment` (no write in between)."""
    time.sleep(max((moment - utcnow()).total_seconds(), 0) + 0.1)


# How long a test's first two views may take on a busy machine.
MARGIN = timedelta(seconds=5)


def test_a_relative_date_moves_with_the_clock_alone(app, world, login_as, talk):
    url, _first, reply = talk
    member = login_as(world.users["member"])
    written = utcnow() - timedelta(minutes=1) + MARGIN
    _write_post(app, reply, created_at=written)
    assert re.search(rf'id="post-{reply}".*?>щойно</time>', _seen_twice(member, url), re.S)
    _sleep_until(written + timedelta(minutes=1))
    assert re.search(rf'id="post-{reply}".*?>1 хвилину тому</time>', _page(member, url), re.S)


def test_the_edit_link_goes_when_the_edit_window_closes(app, world, login_as, talk):
    url, _first, reply = talk
    author = login_as(world.users["outsider"])
    window = timedelta(minutes=app.config["COP_EDIT_WINDOW_MINUTES"])
    written = utcnow() - window + MARGIN
    _write_post(app, reply, created_at=written)
    edit = f'href="/posts/{reply}/edit"'
    delete = f'action="/posts/{reply}/delete"'
    page = _seen_twice(author, url)
    assert edit in page and delete in page
    _sleep_until(written + window)
    page = _page(author, url)
    assert edit not in page and delete not in page


def _hidden(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]+)"', page)


def test_each_session_gets_its_own_csrf_token_in_the_kept_part(app, world, login_as, talk):
    url, _first, reply = talk
    first, second = login_as(world.users["member"]), login_as(world.users["member"])
    mine = _seen_twice(first, url)
    theirs = _page(second, url)  # the part kept from the first session's views
    assert "csrf-" not in theirs
    first_tokens, second_tokens = (
        set(_hidden(mine, "csrf_token")),
        set(_hidden(theirs, "csrf_token")),
    )
    assert len(first_tokens) == len(second_tokens) == 1 and first_tokens != second_tokens
    assert f'action="/posts/{reply}/useful"' in theirs
    app.config["WTF_CSRF_ENABLED"] = True  # the token the page gave must be the one checked
    useful = {"useful": "1", "csrf_token": second_tokens.pop()}
    assert second.post(f"/posts/{reply}/useful", data=useful).status_code == 302
    assert 'aria-pressed="true"' in _page(second, url)
    assert 'aria-pressed="true"' in _page(first, url)  # the same person, another session


def test_the_site_root_is_part_of_what_is_kept(world, login_as, talk):
    """Behind a proxy serving the site under two roots, each page links within its own."""
    url, _first, reply = talk
    member = login_as(world.users["member"])
    assert f'href="/posts/{reply}/reply"' in _seen_twice(member, url)
    page = member.get(url, base_url="http://localhost/cop").get_data(as_text=True)
    assert f'href="/cop/posts/{reply}/reply"' in page
    assert f'href="/posts/{reply}/reply"' not in page


def test_a_tag_added_by_another_process_shows_at_once(app, world, login_as, talk):
    url, _first, _reply = talk
    member = login_as(world.users["member"])
    assert 'class="tag topic"' not in _seen_twice(member, url)
    with app.app_context():
        db.session.add(DiscussionTag(discussion_id=int(url.rsplit("/", 1)[1]), name="школа"))
        db.session.commit()
    assert re.search(r'<a class="tag topic" href="[^"]+">школа</a>', _page(member, url))


def test_a_star_given_elsewhere_shows_at_once_and_only_to_its_owner(app, world, login_as, talk):
    """The star's state is kept per person too (cop/discussions/stars.py)."""
    url, _first, _reply = talk
    member, outsider = login_as(world.users["member"]), login_as(world.users["outsider"])
    for client in (member, outsider):
        assert 'aria-pressed="false">☆' in _seen_twice(client, url)
    with app.app_context():  # another process: the member stars it
        db.session.add(
            DiscussionStar(user_id=world.users["member"].id, discussion_id=int(url.split("/")[-1]))
        )
        db.session.commit()
    assert 'aria-pressed="true">★' in _page(member, url)
    assert 'aria-pressed="false">☆' in _page(outsider, url)


def test_following_chosen_elsewhere_shows_at_once(app, world, login_as, talk):
    """The follow button's state is kept per person (cop/notifications/listeners.py): a
    choice written by another process moves the person's generation."""
    url, _first, _reply = talk
    member = login_as(world.users["member"])
    assert ">Стежити</button>" in _seen_twice(member, url)
    with app.app_context():
        db.session.add(
            DiscussionSubscription(
                user_id=world.users["member"].id,
                discussion_id=int(url.split("/")[-1]),
                subscribed=True,
            )
        )
        db.session.commit()
    page = _page(member, url)
    assert "Ви стежите." in page and ">Стежити</button>" not in page
