"""After a split, replies to the moved posts are pushed to the pages of the new discussion,
not to those of the one they came from."""

from tests.api.test_split import post, split
from tests.live_fixtures import NS
from tests.sockets.conftest import events


def test_replies_to_split_posts_reach_the_new_discussions_pages(app, world, connect, h):
    client = app.test_client()
    forum = world.spaces["forum_signed"]
    source = client.post(
        f"/api/v1/spaces/{forum}/discussions",
        headers=h["member"],
        json={"title": "Бюджет", "body": "Питання"},
    ).get_json()["id"]
    a = post(client, h["expert"], source, "Про школу")
    new = split(client, h["moderator"], a).get_json()["id"]
    old_page, new_page = connect("member"), connect("outsider")
    for page, discussion_id in ((old_page, source), (new_page, new)):
        ack = page.emit("watch", {"discussion_id": discussion_id}, namespace=NS, callback=True)
        assert ack == {"ok": True}
    answer = post(client, h["trainee"], new, "Кошторис", a)
    assert [e["post_id"] for e in events(new_page, "reply")] == [answer]
    assert events(old_page, "reply") == []
