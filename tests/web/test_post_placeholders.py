"""A hidden or deleted post is a placeholder: quoting it pre-fills nothing it hides, and a
deleted one names its author only to moderators (pages, the threaded outline, the API)."""

import pytest


@pytest.fixture
def thread(client, world, h):
    """A discussion by the member with the outsider's reply and the expert's answer to it."""
    forum = world.spaces["forum_signed"]
    d = client.post(
        f"/api/v1/spaces/{forum}/discussions",
        headers=h["member"],
        json={"title": "Тема", "body": "Питання"},
    ).get_json()
    posts = f"/api/v1/discussions/{d['id']}/posts"
    rude = client.post(posts, headers=h["outsider"], json={"body": "Грубість Омега"}).get_json()
    client.post(posts, headers=h["expert"], json={"body": "Відповідь", "parent_id": rude["id"]})
    return d, rude


def test_quoting_a_hidden_post_prefills_nothing_it_hides(client, world, h, login_as, thread):
    d, rude = thread
    assert client.put(f"/api/v1/posts/{rude['id']}/hidden", headers=h["moderator"]).status_code
    member = login_as(world.users["member"])
    page = member.get(f"/posts/{rude['id']}/reply?quote=1")
    assert page.status_code == 200 and "Омега" not in page.get_data(as_text=True)
    outline = member.get(f"/discussions/{d['id']}?mode=threaded").get_data(as_text=True)
    assert "Омега" not in outline and "Цей допис приховав модератор" in outline
    moderator = login_as(world.users["moderator"]).get(f"/posts/{rude['id']}/reply?quote=1")
    assert "&gt; Грубість Омега" in moderator.get_data(as_text=True)


def test_a_deleted_post_names_its_author_only_to_moderators(client, world, h, login_as, thread):
    d, rude = thread
    assert client.delete(f"/api/v1/posts/{rude['id']}", headers=h["moderator"]).status_code == 204
    for mode in ("oldest", "threaded", "nested"):
        url = f"/discussions/{d['id']}?mode={mode}"
        page = login_as(world.users["member"]).get(url).get_data(as_text=True)
        assert "outsider" not in page, mode
        assert "outsider" in login_as(world.users["moderator"]).get(url).get_data(as_text=True)
    quoted = login_as(world.users["member"]).get(f"/posts/{rude['id']}/reply?quote=1")
    assert quoted.status_code == 409 and "outsider" not in quoted.get_data(as_text=True)
    url = f"/api/v1/posts/{rude['id']}"
    assert client.get(url, headers=h["member"]).get_json()["author"] is None
    named = client.get(url, headers=h["moderator"]).get_json()["author"]
    assert named["display_name"] == "outsider"
    listed = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h["member"]).get_json()
    assert [p["author"] and p["author"]["display_name"] for p in listed["items"]] == [
        "member",
        None,
        "expert",
    ]
