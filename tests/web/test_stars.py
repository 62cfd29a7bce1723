"""Stars: personal bookmarks on discussions, on the page and the API, a starred filter
on forum lists and in search, never visible to anyone else."""

import pytest

from tests.conftest import QueryCounter, login


def start(client, headers, space_id, title, body="Текст"):
    response = client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": body},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def star(client, headers, discussion_id, on=True):
    method = client.put if on else client.delete
    return method(f"/api/v1/discussions/{discussion_id}/star", headers=headers)


def starred(client, headers, **params) -> list[str]:
    response = client.get("/api/v1/me/starred", headers=headers, query_string=params)
    assert response.status_code == 200, response.get_json()
    return [d["title"] for d in response.get_json()["items"]]


@pytest.fixture
def two(client, world, h):
    signed = world.spaces["forum_signed"]
    a = start(client, h["outsider"], signed, "Ремонт доріг", "про асфальтування")
    b = start(client, h["outsider"], signed, "Бюджет участі", "про асфальтування теж")
    return a, b


def test_a_star_is_put_and_taken_off_through_the_api(client, h, two):
    a, b = two
    assert star(client, h["member"], a).get_json() == {"starred": True}
    assert star(client, h["member"], a).get_json() == {"starred": True}  # twice: the same
    assert starred(client, h["member"]) == ["Ремонт доріг"]
    assert star(client, h["member"], a, on=False).get_json() == {"starred": False}
    assert starred(client, h["member"]) == []


def test_stars_are_nobody_elses_business(client, h, two):
    a, _b = two
    star(client, h["member"], a)
    assert starred(client, h["outsider"]) == []
    assert starred(client, h["moderator"]) == []


def test_a_discussion_one_may_not_read_cannot_be_starred_and_answers_as_missing(client, world, h):
    hidden = start(client, h["member"], world.spaces["forum_members"], "Для своїх")
    refused = star(client, h["outsider"], hidden)
    missing = star(client, h["outsider"], 999999)
    assert refused.status_code == missing.status_code == 404
    assert refused.get_json() == missing.get_json()


def test_a_star_on_a_discussion_no_longer_readable_drops_out(app, client, world, h):
    d = start(client, h["member"], world.spaces["forum_members"], "Для своїх")
    star(client, h["member"], d)
    assert starred(client, h["member"]) == ["Для своїх"]
    admin = login(client, world.users["admin"])
    assert admin.status_code == 302
    remove = client.post(
        f"/admin/spaces/{world.spaces['forum_members']}/members/{world.users['member'].id}/delete"
    )
    assert remove.status_code in (302, 303)
    assert starred(app.test_client(), h["member"]) == []


def test_the_page_stars_and_the_forum_filters(client, world, two):
    a, _b = two
    login(client, world.users["member"])
    page = client.get(f"/discussions/{a}").get_data(as_text=True)
    assert "☆" in page
    client.post(f"/discussions/{a}/star", data={"starred": "1"})
    assert "★" in client.get(f"/discussions/{a}").get_data(as_text=True)
    forum = client.get(f"/spaces/{world.spaces['forum_signed']}").get_data(as_text=True)
    assert f"/starred?space={world.spaces['forum_signed']}" in forum
    mine = client.get("/starred", query_string={"space": world.spaces["forum_signed"]})
    text = mine.get_data(as_text=True)
    assert "Ремонт доріг" in text and "Бюджет участі" not in text
    elsewhere = client.get("/starred", query_string={"space": world.spaces["forum_public"]})
    assert "Ремонт доріг" not in elsewhere.get_data(as_text=True)


def test_the_starred_filter_of_a_space_one_may_not_read_is_missing(client, world):
    login(client, world.users["outsider"])
    assert (
        client.get("/starred", query_string={"space": world.spaces["forum_members"]}).status_code
        == 404
    )
    assert client.get("/starred", query_string={"space": "x"}).status_code == 404


def test_guests_have_no_stars(client, two):
    a, _b = two
    assert "☆" not in client.get(f"/discussions/{a}").get_data(as_text=True)
    assert client.put(f"/api/v1/discussions/{a}/star").status_code == 401
    assert client.get("/starred").status_code == 302


def test_search_finds_only_the_starred(client, h, two):
    a, _b = two
    star(client, h["member"], a)

    def titles(who, q):
        response = client.get("/api/v1/search", query_string={"q": q}, headers=h[who])
        assert response.status_code == 200, response.get_json()
        return [hit["title"] for hit in response.get_json()["items"]]

    assert sorted(titles("member", "асфальтування")) == ["Бюджет участі", "Ремонт доріг"]
    assert titles("member", "асфальтування is:starred") == ["Ремонт доріг"]
    assert titles("member", "асфальтування -is:starred") == ["Бюджет участі"]
    assert titles("outsider", "асфальтування is:starred") == []
    bad = client.get("/api/v1/search", query_string={"q": "is:pinned"}, headers=h["member"])
    assert bad.status_code == 422


def test_the_starred_list_costs_the_same_queries_for_few_or_many(app, client, world, h):
    member = app.test_client()
    login(member, world.users["member"])

    def count() -> int:
        from cop.extensions import db

        with app.app_context(), QueryCounter(db.engine) as queries:
            assert member.get("/starred").status_code == 200
        return len(queries)

    star(client, h["member"], start(client, h["outsider"], world.spaces["forum_signed"], "Т0"))
    count()
    star(client, h["member"], start(client, h["outsider"], world.spaces["forum_public"], "Т1"))
    counted = count()  # after a write: the unread counts are counted again
    few = count()  # then kept (cop/person_cache.py)
    for n in range(2, 13):
        d = start(client, h["outsider"], world.spaces["forum_public"], f"Т{n}")
        star(client, h["member"], d)
    assert count() == counted
    assert count() == few
