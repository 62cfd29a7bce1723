"""Profiles: who a person is and what they wrote that the viewer may read; author names
and @mentions link to it; an erased person has none."""

import re

import pytest
from sqlalchemy import select

from cop.discussions.models import Post
from cop.extensions import db
from tests.conftest import QueryCounter, login, without_csrf


def start(client, headers, space_id, title, body="Текст"):
    response = client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": body},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def reply(client, headers, discussion_id, body, private=False):
    response = client.post(
        f"/api/v1/discussions/{discussion_id}/posts",
        headers=headers,
        json={"body": body, "private": private},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def written(client, world, h):
    """The member writes where everyone signed in reads and in the members-only forum;
    the expert answers the member privately and in the open."""
    open_id = start(client, h["member"], world.spaces["forum_signed"], "Відкрита тема")
    start(client, h["member"], world.spaces["forum_members"], "Закрита тема")
    reply(client, h["expert"], open_id, "Приватна порада", private=True)
    reply(client, h["expert"], open_id, "Відкрита порада")
    return open_id


def page(client, user_id) -> str:
    response = client.get(f"/people/{user_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_profile_shows_who_the_person_is_and_what_the_viewer_may_read(
    app, client, world, written
):
    member = world.users["member"]
    login(client, world.users["expert"])
    text = page(client, member.id)
    assert "<h1>member</h1>" in text and "Громада А" in text
    assert "Відкрита тема" in text
    assert "Закрита тема" not in text  # the expert is not in the members-only forum


@pytest.mark.parametrize(("viewer", "sees"), [("member", True), ("outsider", False)])
def test_a_private_reply_shows_on_its_authors_profile_to_its_addressee_only(
    client, world, written, viewer, sees
):
    login(client, world.users[viewer])
    text = page(client, world.users["expert"].id)
    assert "Відкрита порада" in text
    assert ("Приватна порада" in text) == sees


def test_my_own_profile_lists_my_posts_and_discussions(client, world, written):
    member = world.users["member"]
    login(client, member)
    settings = client.get("/profile").get_data(as_text=True)
    assert f'href="/people/{member.id}#posts"' in settings
    text = page(client, member.id)
    assert "Мої дописи" in text and "Мої обговорення" in text
    assert "Закрита тема" in text and "Відкрита тема" in text


def test_the_api_gives_the_same_profile(client, world, h, written):
    member = world.users["member"]
    response = client.get(f"/api/v1/people/{member.id}", headers=h["expert"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["display_name"] == "member" and body["communities"] == ["Громада А"]
    assert [d["title"] for d in body["discussions"]] == ["Відкрита тема"]
    assert [p["discussion_title"] for p in body["posts"]] == ["Відкрита тема"]
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/people/{user_id}"]


def test_guests_sign_in_first_and_missing_or_erased_people_have_no_profile(app, client, world, h):
    member = world.users["member"]
    guest = client.get(f"/people/{member.id}")
    assert guest.status_code == 302 and "/login" in guest.headers["Location"]
    assert client.delete(f"/api/v1/users/{member.id}", headers=h["admin"]).status_code == 204
    login(client, world.users["outsider"])
    erased = client.get(f"/people/{member.id}")
    missing = client.get("/people/999999")
    assert erased.status_code == missing.status_code == 404
    same_path = missing.get_data(as_text=True).replace("/people/999999", f"/people/{member.id}")
    assert without_csrf(erased.get_data(as_text=True)) == without_csrf(same_path)
    api = client.get(f"/api/v1/people/{member.id}", headers=h["outsider"])
    assert api.status_code == 404


def test_the_profile_costs_the_same_queries_for_few_or_many_posts(app, client, world, h):
    member = world.users["member"]
    viewer = app.test_client()
    login(viewer, world.users["expert"])

    def count() -> int:
        with QueryCounter(db.engine) as queries:
            assert viewer.get(f"/people/{member.id}").status_code == 200
        return len(queries)

    with app.app_context():
        d = start(client, h["member"], world.spaces["forum_signed"], "Перша")
        count()
        few = count()
        for n in range(25):
            reply(client, h["member"], d, f"Допис {n}")
            start(client, h["member"], world.spaces["forum_public"], f"Тема {n}")
        assert count() == few


def test_author_names_link_to_profiles(client, world, h, written):
    member = world.users["member"]
    link = f'href="/people/{member.id}"'
    login(client, world.users["outsider"])
    discussion = client.get(f"/discussions/{written}").get_data(as_text=True)
    assert link in discussion
    forum = client.get(f"/spaces/{world.spaces['forum_signed']}").get_data(as_text=True)
    assert link in forum
    search = client.get("/search", query_string={"q": "текст"}).get_data(as_text=True)
    assert link in search


def test_guests_see_names_without_links(client, world, h):
    start(client, h["member"], world.spaces["forum_public"], "Для всіх")
    text = client.get(f"/spaces/{world.spaces['forum_public']}").get_data(as_text=True)
    assert "member" in text and "/people/" not in text


def test_mentions_link_to_people_who_exist_and_not_after_erasure(app, client, world, h):
    member = world.users["member"]
    d = start(client, h["outsider"], world.spaces["forum_signed"], "Згадки")
    post_id = reply(client, h["outsider"], d, "Питаю @member1 і @nobody_here")
    with app.app_context():
        html = db.session.get(Post, post_id).body_html
    assert re.search(rf'<a href="/people/{member.id}"[^>]*>@member1</a>', html)
    assert "@nobody_here" in html and html.count("<a ") == 1
    client.delete(f"/api/v1/users/{member.id}", headers=h["admin"])
    with app.app_context():
        html = db.session.scalar(select(Post.body_html).where(Post.id == post_id))
    assert "@member1" in html and "/people/" not in html


def test_an_erased_author_shows_the_placeholder_in_the_readers_language(app, client, world, h):
    d = start(client, h["member"], world.spaces["forum_signed"], "Стара тема")
    client.delete(f"/api/v1/users/{world.users['member'].id}", headers=h["admin"])
    login(client, world.users["outsider"])
    client.post("/locale/en")
    text = client.get(f"/discussions/{d}").get_data(as_text=True)
    assert "Deleted user" in text and "Видалений користувач" not in text
