"""Subscriptions in each forum mode, @mentions and the bell, through the API: who hears
about a post follows the same read rules as every page."""

import pytest

from cop.discussions.models import Post
from cop.extensions import db


def configure(client, h, space_id, **settings):
    response = client.patch(
        f"/api/v1/spaces/{space_id}/forum", headers=h["moderator"], json=settings
    )
    assert response.status_code == 200, response.get_json()


def start(client, headers, space_id, title="Бюджет участі", body="Як почати?"):
    response = client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": body},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def reply(client, headers, discussion_id, body="Відповідь", **extra):
    response = client.post(
        f"/api/v1/discussions/{discussion_id}/posts", headers=headers, json={"body": body, **extra}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def inbox(client, headers):
    body = client.get("/api/v1/notifications", headers=headers).get_json()
    return [(n["kind"], n["post_id"]) for n in body["items"]], body["unread"]


def follow(client, headers, path, subscribed=True):
    return client.put(
        f"/api/v1/{path}/subscription", headers=headers, json={"subscribed": subscribed}
    )


def test_optional_forum_notifies_only_those_who_follow(client, world, h):
    forum = world.spaces["forum_signed"]
    assert follow(client, h["member"], f"spaces/{forum}").get_json() == {
        "subscribed": True,
        "can_change": True,
        "mode": "optional",
    }
    started = start(client, h["expert"], forum)
    first = client.get(f"/api/v1/discussions/{started['id']}/posts", headers=h["expert"])
    first_id = first.get_json()["items"][0]["id"]
    answer = reply(client, h["trainee"], started["id"])
    assert inbox(client, h["member"]) == ([("reply", answer["id"]), ("discussion", first_id)], 2)
    assert inbox(client, h["outsider"]) == ([], 0)  # never chose to follow
    # the expert started the discussion, so follows it without asking
    assert inbox(client, h["expert"]) == ([("reply", answer["id"])], 1)
    assert inbox(client, h["trainee"]) == ([], 0)  # nobody is told of their own post


def test_unfollowing_a_discussion_wins_over_following_its_forum(client, world, h):
    forum = world.spaces["forum_signed"]
    follow(client, h["member"], f"spaces/{forum}")
    quiet = start(client, h["expert"], forum, "Тихе")
    loud = start(client, h["expert"], forum, "Гучне")
    state = follow(client, h["member"], f"discussions/{quiet['id']}", subscribed=False).get_json()
    assert state["subscribed"] is False
    reply(client, h["trainee"], quiet["id"])
    heard = reply(client, h["trainee"], loud["id"])
    kinds = inbox(client, h["member"])[0]
    assert ("reply", heard["id"]) in kinds and len([k for k in kinds if k[0] == "reply"]) == 1
    # following the whole forum again clears the choices not to follow a discussion
    follow(client, h["member"], f"spaces/{forum}", subscribed=False)
    follow(client, h["member"], f"spaces/{forum}")
    assert follow(client, h["member"], f"discussions/{quiet['id']}").status_code == 200
    assert client.get(
        f"/api/v1/discussions/{quiet['id']}/subscription", headers=h["member"]
    ).get_json()["subscribed"]


def test_unfollowing_a_forum_keeps_the_discussions_one_follows(client, world, h):
    forum = world.spaces["forum_signed"]
    kept = start(client, h["expert"], forum, "Цікаве")
    other = start(client, h["expert"], forum, "Інше")
    follow(client, h["member"], f"discussions/{kept['id']}")
    follow(client, h["member"], f"spaces/{forum}")
    follow(client, h["member"], f"spaces/{forum}", subscribed=False)
    heard = reply(client, h["trainee"], kept["id"])
    unheard = reply(client, h["trainee"], other["id"])
    kinds = inbox(client, h["member"])[0]
    assert ("reply", heard["id"]) in kinds and ("reply", unheard["id"]) not in kinds
    state = client.get(f"/api/v1/discussions/{kept['id']}/subscription", headers=h["member"])
    assert state.get_json()["subscribed"]


def test_a_reply_may_ask_not_to_hear_of_the_discussion(client, world, h, login_as):
    forum = world.spaces["forum_signed"]
    started = start(client, h["expert"], forum, "Одне питання")
    reply(client, h["member"], started["id"], "Моя думка", follow=False)
    state = client.get(f"/api/v1/discussions/{started['id']}/subscription", headers=h["member"])
    assert state.get_json()["subscribed"] is False
    reply(client, h["trainee"], started["id"], "Ще одна")
    assert inbox(client, h["member"]) == ([], 0)
    # on the page: the reply form offers the same choice
    outsider = login_as(world.users["outsider"])
    page = outsider.get(f"/discussions/{started['id']}").get_data(as_text=True)
    assert "Не сповіщати мене про це обговорення" in page
    first = started_first(client, h, started)
    posted = outsider.post(
        f"/posts/{first}/reply", data={"body": "Тихо", "idempotency_key": "q", "quiet": "y"}
    )
    assert posted.status_code == 302
    reply(client, h["trainee"], started["id"], "Після тихої")
    assert inbox(client, h["outsider"]) == ([], 0)
    follow(client, h["outsider"], f"discussions/{started['id']}")  # until they change their mind
    louder = reply(client, h["trainee"], started["id"], "Гучніше")
    assert inbox(client, h["outsider"]) == ([("reply", louder["id"])], 1)


def test_forced_forum_notifies_every_reader_and_allows_no_opt_out(client, world, h):
    forum = world.spaces["forum_members"]  # readers: member, space moderator, staff
    configure(client, h, forum, subscription_mode="forced")
    refused = follow(client, h["member"], f"spaces/{forum}", subscribed=False)
    assert refused.status_code == 409
    started = start(client, h["space_moderator"], forum)
    assert inbox(client, h["member"])[1] == 1
    assert inbox(client, h["moderator"])[1] == 1
    assert inbox(client, h["outsider"])[1] == 0  # not a member of this forum
    assert inbox(client, h["expert"])[1] == 0
    reply(client, h["member"], started["id"])
    assert inbox(client, h["space_moderator"])[1] == 1


def test_auto_forum_notifies_everyone_until_they_unfollow(client, world, h):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, subscription_mode="auto")
    start(client, h["expert"], forum, "Перше")
    assert inbox(client, h["outsider"])[1] == 1
    assert follow(client, h["outsider"], f"spaces/{forum}", subscribed=False).status_code == 200
    start(client, h["expert"], forum, "Друге")
    assert inbox(client, h["outsider"])[1] == 1
    assert inbox(client, h["member"])[1] == 2


def test_disabled_forum_sends_no_subscription_notifications_but_mentions_still_work(
    client, world, h
):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, subscription_mode="disabled")
    assert follow(client, h["member"], f"spaces/{forum}").status_code == 409
    started = start(client, h["member"], forum)
    reply(client, h["expert"], started["id"])
    assert inbox(client, h["member"])[1] == 0  # not even the author follows
    username = world.users["member"].username
    mention = reply(client, h["expert"], started["id"], f"Погляньте, @{username}")
    assert inbox(client, h["member"]) == ([("mention", mention["id"])], 1)


def test_mentions_notify_only_people_who_may_read_the_discussion(client, world, h):
    room = world.spaces["expert_room"]  # expert group A: expert, trainee
    names = {name: user.username for name, user in world.users.items()}
    started = start(
        client,
        h["expert"],
        room,
        body=f"@{names['trainee']} і @{names['outsider']}, і @{names['other_expert']}: гляньте",
    )
    assert inbox(client, h["trainee"])[0] == [("mention", started_first(client, h, started))]
    assert inbox(client, h["outsider"]) == ([], 0)
    assert inbox(client, h["other_expert"]) == ([], 0)
    # in a code block or a quote it is someone's text, not a mention
    reply(client, h["expert"], started["id"], f"`@{names['moderator']}`\n\n> @{names['admin']}")
    assert inbox(client, h["moderator"]) == ([], 0)
    assert inbox(client, h["admin"]) == ([], 0)


def started_first(client, h, started):
    posts = client.get(f"/api/v1/discussions/{started['id']}/posts", headers=h["expert"])
    return posts.get_json()["items"][0]["id"]


def test_a_mention_added_by_an_edit_notifies_once(client, world, h):
    forum = world.spaces["forum_signed"]
    started = start(client, h["expert"], forum)
    answer = reply(client, h["expert"], started["id"], "Чернетка")
    username = world.users["member"].username
    for _ in range(2):
        edited = client.patch(
            f"/api/v1/posts/{answer['id']}", headers=h["expert"], json={"body": f"Ось, @{username}"}
        )
        assert edited.status_code == 200
    assert inbox(client, h["member"]) == ([("mention", answer["id"])], 1)


def test_a_private_reply_reaches_only_its_addressee(client, world, h):
    forum = world.spaces["forum_signed"]
    for name in ("outsider", "member"):
        follow(client, h[name], f"spaces/{forum}")
    started = start(client, h["member"], forum)
    private = reply(client, h["expert"], started["id"], "Лише вам", private=True)
    assert ("reply", private["id"]) in inbox(client, h["member"])[0]
    assert ("reply", private["id"]) not in inbox(client, h["outsider"])[0]


def test_separate_groups_keep_notifications_in_the_community(client, world, h):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, group_mode="separate", subscription_mode="auto")
    start(client, h["member"], forum, "Наше")
    assert inbox(client, h["outsider"])[1] == 0
    assert inbox(client, h["expert"])[1] == 1  # coaches community A
    assert inbox(client, h["other_expert"])[1] == 0


def test_visible_groups_notify_only_the_discussions_group_and_its_moderators(client, world, h):
    """Everyone reads a visible-groups forum, but only the discussion's group and those
    acting in all groups hear of its posts, as in separate mode (and in Moodle)."""
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, group_mode="visible", subscription_mode="auto")
    ours = start(client, h["member"], forum, "Наше")
    assert client.get(f"/api/v1/discussions/{ours['id']}", headers=h["outsider"]).status_code == 200
    heard = {"expert", "trainee", "space_moderator", "moderator", "admin"}
    for name in ("outsider", "other_expert", *heard):
        assert inbox(client, h[name])[1] == (1 if name in heard else 0), name
    everyone = start(client, h["moderator"], forum, "Для всіх")  # for all participants
    assert ("discussion", started_first(client, h, everyone)) in inbox(client, h["outsider"])[0]


def test_qanda_replies_are_not_announced_before_the_reader_may_see_them(client, world, h):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, forum_type="qanda", subscription_mode="auto")
    question = start(client, h["expert"], forum, "Питання")
    assert inbox(client, h["outsider"])[1] == 1  # the question itself
    reply(client, h["member"], question["id"], "Моя відповідь")
    assert inbox(client, h["outsider"])[1] == 1  # others' answers stay hidden
    assert inbox(client, h["expert"])[1] == 1  # whoever asked sees the answers


def test_the_bell_counts_unread_and_reading_clears_it(app, client, world, h):
    forum = world.spaces["forum_signed"]
    follow(client, h["member"], f"spaces/{forum}")
    first = start(client, h["expert"], forum, "Перше")
    second = start(client, h["expert"], forum, "Друге")
    third = start(client, h["expert"], forum, "Третє")
    assert inbox(client, h["member"])[1] == 3
    # reading a discussion reads its notifications
    client.put(f"/api/v1/discussions/{first['id']}/read", headers=h["member"])
    assert inbox(client, h["member"])[1] == 2
    items = client.get("/api/v1/notifications", headers=h["member"]).get_json()["items"]
    target = next(n for n in items if n["discussion_id"] == second["id"])
    marked = client.post(
        "/api/v1/notifications/read", headers=h["member"], json={"ids": [target["id"]]}
    )
    assert marked.get_json() == {"unread": 1}
    # a post hidden by a moderator no longer counts
    with app.app_context():
        post_id = db.session.query(Post.id).filter_by(discussion_id=third["id"]).scalar()
    hidden = client.put(f"/api/v1/posts/{post_id}/hidden", headers=h["moderator"])
    assert hidden.status_code == 200, hidden.get_json()
    assert inbox(client, h["member"])[1] == 0
    # marking read touches only one's own notifications
    assert (
        client.post("/api/v1/notifications/read", headers=h["expert"], json={}).status_code == 200
    )
    assert (
        client.post(
            "/api/v1/notifications/read", headers=h["member"], json={"ids": "x"}
        ).status_code
        == 422
    )


def test_expert_room_subscriptions_are_invisible_to_outsiders(client, world, h):
    room = world.spaces["expert_room"]
    started = start(client, h["expert"], room)
    for path in (f"spaces/{room}", f"discussions/{started['id']}"):
        assert client.get(f"/api/v1/{path}/subscription", headers=h["outsider"]).status_code == 404
        assert follow(client, h["outsider"], path).status_code == 404
    assert client.get(f"/api/v1/spaces/{room}/subscription").status_code == 401


@pytest.mark.parametrize(
    ("emails", "expected"),
    [
        (["olena@a.org", "olena@b.org", "olena@c.org"], ["olena", "olena2", "olena3"]),
        (["O.Koval+cop@a.org"], ["o.kovalcop"]),
        (["x@a.org"], ["userx"]),
        (["..__Ім'я@a.org"], ["user"]),
    ],
)
def test_each_account_gets_a_unique_username_from_its_email(make_user, emails, expected):
    assert [make_user(email=e).username for e in emails] == expected


def test_my_username_and_email_choice_in_the_api(client, world, h):
    me = client.get("/api/v1/me", headers=h["member"]).get_json()
    assert me["username"] == world.users["member"].username and me["email_mode"] == "immediate"
    changed = client.patch("/api/v1/me", headers=h["member"], json={"email_mode": "digest"})
    assert changed.get_json()["email_mode"] == "digest"
    bad = client.patch("/api/v1/me", headers=h["member"], json={"email_mode": "hourly"})
    assert bad.status_code == 422 and "email_mode" in bad.get_json()["error"]["fields"]
