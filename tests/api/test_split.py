"""Splitting a discussion from a reply: moderators only, the subtree goes whole, the
counters stay right (`cop db check`), search, notifications and the moderation log follow."""

import pytest

from cop import counters
from cop.discussions.models import Discussion, Post
from cop.extensions import db

API = "/api/v1"


def post(client, headers, discussion_id, body, parent_id=None):
    json = {"body": body} | ({"parent_id": parent_id} if parent_id else {})
    response = client.post(f"{API}/discussions/{discussion_id}/posts", headers=headers, json=json)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def thread(client, world, h):
    """first ← a ← b ← c, and first ← d: splitting at a takes a, b and c."""
    forum = world.spaces["forum_signed"]
    d = client.post(
        f"{API}/spaces/{forum}/discussions",
        headers=h["member"],
        json={"title": "Бюджет громади", "body": "З чого почати?"},
    ).get_json()
    a = post(client, h["expert"], d["id"], "Про школу: ремонт даху")
    b = post(client, h["trainee"], d["id"], "Кошторис на дах", a)
    c = post(client, h["member"], d["id"], "Дякую за кошторис", b)
    other = post(client, h["outsider"], d["id"], "Про дороги")
    return d["id"], a, b, c, other


def split(client, headers, post_id, title="Ремонт школи"):
    return client.post(f"{API}/posts/{post_id}/split", headers=headers, json={"title": title})


def posts_of(app, discussion_id) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(db.select(Post.id).where(Post.discussion_id == discussion_id))
        )


def test_a_moderator_splits_off_the_subtree_with_counters_right(app, client, world, h, thread):
    source, a, b, c, other = thread
    response = split(client, h["space_moderator"], a)
    assert response.status_code == 201, response.get_json()
    new = response.get_json()
    assert new["title"] == "Ремонт школи" and new["space_id"] == world.spaces["forum_signed"]
    assert new["reply_count"] == 2
    assert posts_of(app, new["id"]) == {a, b, c}
    assert other in posts_of(app, source) and a not in posts_of(app, source)
    listed = client.get(f"{API}/discussions/{new['id']}/posts", headers=h["member"]).get_json()
    assert [p["id"] for p in listed["items"]][0] == a  # the reply is the first post now
    old = client.get(f"{API}/discussions/{source}", headers=h["member"]).get_json()
    assert old["reply_count"] == 1
    with app.app_context():
        assert counters.check() == []  # `cop db check` stays clean
        assert db.session.get(Post, a).parent_id is None
        assert db.session.get(Discussion, new["id"]).last_post_id == c
    audit = client.get(f"{API}/moderation/audit", headers=h["moderator"]).get_json()["items"]
    assert audit[0]["action"] == "discussion.split" and audit[0]["target_id"] == new["id"]
    assert audit[0]["detail"] == {"from_discussion": source}


def test_search_and_notifications_follow_the_posts(app, client, world, h, thread):
    source, a, b, c, other = thread
    new = split(client, h["moderator"], a).get_json()
    found = client.get(f"{API}/search", query_string={"q": "кошторис"}, headers=h["member"])
    hits = found.get_json()["items"]
    assert [hit["discussion_id"] for hit in hits] == [new["id"]]
    # the member started the discussion, so follows it, and heard of b: that leads to the new one
    items = client.get(f"{API}/notifications", headers=h["member"]).get_json()["items"]
    about_b = [n for n in items if n["post_id"] == b]
    assert about_b and about_b[0]["discussion_id"] == new["id"]
    # and follows the new discussion as they did the old one
    state = client.get(f"{API}/discussions/{new['id']}/subscription", headers=h["member"])
    assert state.get_json()["subscribed"] is True


def test_who_may_not_split_and_what_cannot_be_split(client, world, h, thread):
    source, a, b, c, other = thread
    assert split(client, h["member"], a).status_code == 403  # reads it, does not moderate
    assert split(client, h["other_expert"], a).status_code == 403
    with_first = client.get(f"{API}/discussions/{source}/posts", headers=h["member"]).get_json()
    first = with_first["items"][0]["id"]
    assert split(client, h["moderator"], first).status_code == 409
    assert split(client, h["moderator"], a, title="   ").status_code == 422
    assert split(client, h["moderator"], 999_999).status_code == 404


def test_a_post_in_a_closed_space_is_not_found_for_outsiders(client, world, h):
    room = world.spaces["expert_room"]
    d = client.post(
        f"{API}/spaces/{room}/discussions", headers=h["expert"], json={"title": "Т", "body": "Б"}
    ).get_json()
    a = post(client, h["trainee"], d["id"], "Відповідь")
    assert split(client, h["member"], a).status_code == 404
    assert split(client, h["expert"], a).status_code == 201  # the room's experts moderate it


def test_the_split_page_for_moderators(app, client, world, h, thread, login_as):
    source, a, b, c, other = thread
    page = login_as(world.users["space_moderator"])
    discussion_page = page.get(f"/discussions/{source}").get_data(as_text=True)
    assert f"/posts/{a}/split" in discussion_page
    assert f"/posts/{a}/split" not in login_as(world.users["member"]).get(
        f"/discussions/{source}"
    ).get_data(as_text=True)
    assert page.get(f"/posts/{a}/split").status_code == 200
    empty = page.post(f"/posts/{a}/split", data={"title": ""})
    assert empty.status_code == 200 and 'aria-invalid="true"' in empty.get_data(as_text=True)
    done = page.post(f"/posts/{a}/split", data={"title": "Дах школи"})
    assert done.status_code == 302
    assert posts_of(app, int(done.location.rstrip("/").split("/")[-1])) == {a, b, c}
