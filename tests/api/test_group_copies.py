"""Moodle's "post a copy to all groups" (one discussion per group, for the forum's
moderators) and the group filter of a forum's discussion list, page and API. Community A's
committee is `member`, community B's `outsider`."""

from cop.discussions.models import Discussion
from cop.extensions import db
from tests.api.test_forum_modes import configure, start, titles

API = "/api/v1"


def copies(client, headers, space_id, title="Звіт за квартал"):
    return client.post(
        f"{API}/spaces/{space_id}/discussions/all-groups",
        headers=headers,
        json={"title": title, "body": "Подайте звіт до п'ятниці."},
    )


def test_a_moderator_posts_one_discussion_for_each_group(app, client, world, h):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, group_mode="separate")
    response = copies(client, h["space_moderator"], forum)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()["items"]
    with app.app_context():
        a, b = (db.session.get(Discussion, d["id"]).community_id for d in made)
    assert len(made) == 2 and a != b and None not in (a, b)
    # each group reads its own copy only, and is told of it
    assert titles(client, h["member"], forum) == ({"Звіт за квартал"}, 1)
    assert titles(client, h["outsider"], forum) == ({"Звіт за квартал"}, 1)
    assert titles(client, h["moderator"], forum)[1] == 2
    client.put(f"{API}/spaces/{forum}/subscription", headers=h["member"], json={"subscribed": True})
    copies(client, h["space_moderator"], forum, "Другий звіт")
    bell = client.get(f"{API}/notifications", headers=h["member"]).get_json()["items"]
    assert [n["kind"] for n in bell] == ["discussion"]  # one, for the member's own group


def test_only_moderators_and_only_in_group_mode(client, world, h):
    forum = world.spaces["forum_signed"]
    assert copies(client, h["space_moderator"], forum).status_code == 409  # no groups
    configure(client, h, forum, group_mode="visible")
    assert copies(client, h["member"], forum).status_code == 403
    assert copies(client, h["expert"], world.spaces["forum_members"]).status_code == 404
    empty = client.post(
        f"{API}/spaces/{forum}/discussions/all-groups",
        headers=h["moderator"],
        json={"title": " ", "body": "Текст"},
    )
    assert empty.status_code == 422
    assert titles(client, h["moderator"], forum) == (set(), 0)


def test_the_group_filter_in_the_api(client, world, h):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, group_mode="visible")
    ours = start(client, h["member"], forum, "Наше").get_json()
    start(client, h["outsider"], forum, "Їхнє")
    start(client, h["moderator"], forum, "Для всіх")
    group = ours["community_id"]
    listed = client.get(
        f"{API}/spaces/{forum}/discussions", headers=h["outsider"], query_string={"group": group}
    ).get_json()
    assert {d["title"] for d in listed["items"]} == {"Наше", "Для всіх"}
    assert listed["total"] == 2
    bad = client.get(f"{API}/spaces/{forum}/discussions", query_string={"group": "x"})
    assert bad.status_code == 422


def test_the_group_filter_and_the_copy_on_the_pages(client, world, h, login_as):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, group_mode="visible")
    ours = start(client, h["member"], forum, "Наше Альфа").get_json()
    start(client, h["outsider"], forum, "Їхнє Бета")
    page = login_as(world.users["member"])
    html = page.get(f"/spaces/{forum}?group={ours['community_id']}").get_data(as_text=True)
    assert "Наше Альфа" in html and "Їхнє Бета" not in html
    assert 'name="group"' in html
    assert 'name="all_groups"' not in page.get(f"/spaces/{forum}/discussions/new").get_data(
        as_text=True
    )
    moderator = login_as(world.users["moderator"])
    form = moderator.get(f"/spaces/{forum}/discussions/new").get_data(as_text=True)
    assert 'name="all_groups"' in form
    done = moderator.post(
        f"/spaces/{forum}/discussions/new",
        data={"title": "Для кожної громади", "body": "Текст", "all_groups": "y"},
    )
    assert done.status_code == 302
    assert titles(client, h["moderator"], forum)[1] == 4
