"""Free tags on discussions, per space: set by the author and moderators on the forms and
the API, shown on lists, a filter on the list, and tag: in search."""

from cop.discussions.models import DiscussionTag
from cop.extensions import db
from tests.search.helpers import search


def start(client, headers, space_id, title, **extra):
    return client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": "Текст", **extra},
    )


def listed(client, headers, space_id, **params):
    body = client.get(
        f"/api/v1/spaces/{space_id}/discussions", headers=headers, query_string=params
    ).get_json()
    return {d["title"]: d["tags"] for d in body["items"]}, body["total"]


def test_tags_are_set_shown_and_filter_the_list(client, world, h):
    forum = world.spaces["forum_signed"]
    made = start(client, h["member"], forum, "Бюджет участі", tags=[" Бюджет ", "молодь", "бюджет"])
    assert made.status_code == 201 and made.get_json()["tags"] == ["бюджет", "молодь"]
    start(client, h["outsider"], forum, "Дороги", tags=["інфраструктура"])
    start(client, h["outsider"], forum, "Без тегів")
    everything, total = listed(client, h["member"], forum)
    assert total == 3 and everything["Бюджет участі"] == ["бюджет", "молодь"]
    assert listed(client, h["member"], forum, tag="Бюджет") == (
        {"Бюджет участі": ["бюджет", "молодь"]},
        1,
    )
    assert listed(client, h["member"], forum, tag="немає") == ({}, 0)
    # tags are the space's own: the same tag elsewhere is another list
    start(client, h["moderator"], world.spaces["forum_public"], "Інший бюджет", tags=["бюджет"])
    assert listed(client, h["member"], forum, tag="бюджет")[1] == 1
    one = client.get(f"/api/v1/discussions/{made.get_json()['id']}", headers=h["outsider"])
    assert one.get_json()["tags"] == ["бюджет", "молодь"]


def test_the_author_and_moderators_retag_others_may_not(app, client, world, h):
    forum = world.spaces["forum_signed"]
    d = start(client, h["member"], forum, "Тема", tags=["старе"]).get_json()
    path = f"/api/v1/discussions/{d['id']}"
    mine = client.patch(path, headers=h["member"], json={"tags": ["нове", "ще"]})
    assert mine.status_code == 200 and mine.get_json()["tags"] == ["нове", "ще"]
    refused = client.patch(path, headers=h["outsider"], json={"tags": [], "title": "Чуже"})
    assert refused.status_code == 403
    moderated = client.patch(path, headers=h["space_moderator"], json={"tags": ["порядок"]})
    assert moderated.get_json()["tags"] == ["порядок"]
    after = client.get(path, headers=h["member"]).get_json()
    assert after["title"] == "Тема" and after["tags"] == ["порядок"]
    assert client.patch(path, headers=h["member"], json={"tags": []}).get_json()["tags"] == []
    with app.app_context():
        assert db.session.query(DiscussionTag).count() == 0


def test_bad_tags_are_refused_and_nothing_is_written(app, client, world, h):
    forum = world.spaces["forum_signed"]
    for tags in (
        ["a,b"],
        ["x" * 41],
        [f"тег{n}" for n in range(11)],
        ["\u202eзлам"],
        "не список",
    ):
        response = start(client, h["member"], forum, "Тема", tags=tags)
        assert response.status_code == 422, tags
        assert "tags" in str(response.get_json()["error"])
    assert listed(client, h["member"], forum)[1] == 0
    d = start(client, h["member"], forum, "Тема", tags=["добре"]).get_json()
    bad = client.patch(
        f"/api/v1/discussions/{d['id']}", headers=h["member"], json={"tags": ["a,b"]}
    )
    assert bad.status_code == 422
    assert listed(client, h["member"], forum)[0] == {"Тема": ["добре"]}


def test_tag_filter_keeps_separate_groups_apart(client, world, h):
    forum = world.spaces["forum_signed"]
    response = client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["moderator"], json={"group_mode": "separate"}
    )
    assert response.status_code == 200
    assert start(client, h["member"], forum, "Наш бюджет", tags=["бюджет"]).status_code == 201
    assert start(client, h["outsider"], forum, "Їхній бюджет", tags=["бюджет"]).status_code == 201
    assert listed(client, h["member"], forum, tag="бюджет") == ({"Наш бюджет": ["бюджет"]}, 1)
    assert listed(client, h["moderator"], forum, tag="бюджет")[1] == 2


def test_tag_in_search_finds_every_post_of_the_discussion(client, world, h):
    forum = world.spaces["forum_signed"]
    d = start(client, h["member"], forum, "Сільське господарство", tags=["Агро Сектор"]).get_json()
    reply = client.post(
        f"/api/v1/discussions/{d['id']}/posts", headers=h["outsider"], json={"body": "Зерно"}
    )
    assert reply.status_code == 201
    start(client, h["member"], forum, "Інше про агро", tags=["інше"])
    found = search(client, 'tag:"агро сектор"', h["member"])
    assert found["total"] == 1 and found["items"][0]["title"] == "Сільське господарство"
    assert search(client, 'зерно tag:"Агро сектор"', h["member"])["total"] == 1
    assert search(client, "зерно -tag:інше", h["member"])["total"] == 1
    client.patch(f"/api/v1/discussions/{d['id']}", headers=h["member"], json={"tags": ["поле"]})
    assert search(client, 'tag:"агро сектор"', h["member"])["total"] == 0
    assert search(client, "tag:поле", h["member"])["total"] == 1
    # a tag never opens what the reader may not read
    members = world.spaces["forum_members"]
    assert start(client, h["moderator"], members, "Закрите", tags=["таємне"]).status_code == 201
    assert search(client, "tag:таємне", h["outsider"])["total"] == 0
    assert search(client, "tag:таємне", h["moderator"])["total"] == 1
