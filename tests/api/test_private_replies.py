"""Private replies are read, as Moodle's teachers read them (`readprivatereplies`), by the
experts and trainees coaching the discussion's community or the desk's, besides their
author, their addressee and the moderators: on the page, in the API, in counts, in
notifications and in search. Nobody else learns of them."""

from sqlalchemy import select

from cop.extensions import db
from cop.orgs.models import CommitteeMembership

COACHES_OF_A = {"member", "expert", "trainee", "moderator", "admin"}  # with the addressee
READERS = {*COACHES_OF_A, "space_moderator"}  # of the forum, who moderates it
EVERYONE = (
    "member",
    "outsider",
    "space_moderator",
    "expert",
    "trainee",
    "other_expert",
    "moderator",
    "admin",
)


def community_of(app, world, name: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(CommitteeMembership.community_id).where(
                CommitteeMembership.user_id == world.users[name].id
            )
        )


def group_discussion(client, h, world, community_id: int) -> int:
    """A discussion of community A in a visible-groups forum everyone follows."""
    forum = world.spaces["forum_signed"]
    configured = client.patch(
        f"/api/v1/spaces/{forum}/forum",
        headers=h["moderator"],
        json={"group_mode": "visible", "subscription_mode": "auto"},
    )
    assert configured.status_code == 200, configured.get_json()
    started = client.post(
        f"/api/v1/spaces/{forum}/discussions",
        headers=h["member"],
        json={"title": "Наш бюджет", "body": "Як почати?", "community_id": community_id},
    )
    assert started.status_code == 201, started.get_json()
    return started.get_json()["id"]


def private_reply(client, h, discussion_id: int, body: str) -> int:
    response = client.post(
        f"/api/v1/discussions/{discussion_id}/posts",
        headers=h["expert"],
        json={"body": body, "private": True},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_coaches_of_the_community_read_a_private_reply_everywhere(app, client, world, h, login_as):
    d = group_discussion(client, h, world, community_of(app, world, "member"))
    post_id = private_reply(client, h, d, "Порада для громади: кропивник")
    for name in EVERYONE:
        sees = name in READERS
        listed = client.get(f"/api/v1/discussions/{d}/posts", headers=h[name]).get_json()
        bodies = " ".join(p["body"] for p in listed["items"])
        assert ("кропивник" in bodies) == sees, name
        one = client.get(f"/api/v1/posts/{post_id}", headers=h[name])
        assert one.status_code == (200 if sees else 404), name
        found = client.get("/api/v1/search", headers=h[name], query_string={"q": "кропивник"})
        assert found.get_json()["total"] == (1 if sees else 0), name
        notified = client.get("/api/v1/notifications", headers=h[name]).get_json()["items"]
        told = any(n["post_id"] == post_id for n in notified)
        assert told == (sees and name != "expert"), name  # nobody hears of their own post
    trainee, outsider = login_as(world.users["trainee"]), login_as(world.users["outsider"])
    assert "кропивник" in trainee.get(f"/discussions/{d}").get_data(as_text=True)
    assert "кропивник" not in outsider.get(f"/discussions/{d}").get_data(as_text=True)


def test_unread_counts_follow_the_coaches_rule(app, client, world, h):
    d = group_discussion(client, h, world, community_of(app, world, "member"))
    private_reply(client, h, d, "Лише для своїх")
    forum = world.spaces["forum_signed"]
    for name, unread in (("trainee", 2), ("other_expert", 1)):
        listed = client.get(f"/api/v1/spaces/{forum}/discussions", headers=h[name]).get_json()
        assert listed["items"][0]["unread_count"] == unread, name


def test_a_private_reply_on_a_desk_is_read_by_its_trainees(app, client, world, h):
    opened = client.post(
        "/api/v1/consultations", headers=h["member"], json={"title": "Питання", "body": "Як?"}
    )
    assert opened.status_code == 201, opened.get_json()
    d = opened.get_json()["discussion_id"]
    private_reply(client, h, d, "Особисто комітету: терновик")
    for name in EVERYONE:
        found = client.get("/api/v1/search", headers=h[name], query_string={"q": "терновик"})
        assert found.get_json()["total"] == (1 if name in COACHES_OF_A else 0), name
