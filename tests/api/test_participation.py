"""The participation report (Moodle's forum summary report): counts per person, by group
and period, for those who moderate the space; a group's staff sees their groups only."""

from datetime import UTC, datetime

from sqlalchemy import update

from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.spaces.models import SpaceMembership, SpaceRole
from tests.courses.helpers import published_module


def start(client, headers, space_id, title, **extra):
    response = client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": "Текст", **extra},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def reply(client, headers, discussion_id, body="Відповідь"):
    response = client.post(
        f"/api/v1/discussions/{discussion_id}/posts", headers=headers, json={"body": body}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def report(client, headers, space_id, **params):
    return client.get(
        f"/api/v1/spaces/{space_id}/participation", headers=headers, query_string=params
    )


def people(body) -> dict:
    return {p["display_name"]: (p["discussions"], p["replies"]) for p in body["people"]}


def test_counts_discussions_and_replies_per_person_most_active_first(client, world, h):
    forum = world.spaces["forum_signed"]
    first = start(client, h["member"], forum, "Бюджет громади")
    reply(client, h["outsider"], first["id"])
    gone = reply(client, h["outsider"], first["id"])
    reply(client, h["outsider"], first["id"])
    reply(client, h["expert"], first["id"])
    assert client.delete(f"/api/v1/posts/{gone['id']}", headers=h["outsider"]).status_code == 204
    response = report(client, h["moderator"], forum)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [p["display_name"] for p in body["people"]] == ["outsider", "expert", "member"]
    assert people(body) == {"outsider": (0, 2), "expert": (0, 1), "member": (1, 0)}
    assert (body["discussions"], body["replies"]) == (1, 3)
    assert body["people"][0]["last_post_at"] is not None


def test_period_counts_only_posts_written_in_it(app, client, world, h):
    forum = world.spaces["forum_signed"]
    discussion = start(client, h["member"], forum, "Стара тема")
    old = reply(client, h["outsider"], discussion["id"])
    reply(client, h["outsider"], discussion["id"])
    with app.app_context():
        db.session.execute(
            update(Post)
            .where(Post.discussion_id == discussion["id"])
            .values(created_at=datetime(2025, 3, 10, 12, tzinfo=UTC))
        )
        db.session.execute(
            update(Post)
            .where(Post.id == old["id"])
            .values(created_at=datetime(2025, 2, 28, 22, 30, tzinfo=UTC))  # 1 March in Kyiv
        )
        db.session.commit()
    march = report(client, h["moderator"], forum, first="2025-03-01", last="2025-03-31")
    assert people(march.get_json()) == {"member": (1, 0), "outsider": (0, 2)}
    april = report(client, h["moderator"], forum, first="2025-04-01").get_json()
    assert april["people"] == [] and april["discussions"] == 0
    early = report(client, h["moderator"], forum, last="2025-03-01").get_json()
    assert people(early) == {"outsider": (0, 1)}


def test_group_filter_lists_the_groups_people_even_without_posts(client, world, h):
    forum = world.spaces["forum_signed"]
    discussion = start(client, h["member"], forum, "Тема")
    reply(client, h["outsider"], discussion["id"])
    everyone = report(client, h["moderator"], forum).get_json()
    groups = {g["name"]: g["id"] for g in everyone["groups"]}
    assert set(groups) == {"Громада А", "Громада Б"}
    ours = report(client, h["moderator"], forum, group=groups["Громада А"]).get_json()
    assert ours["group"]["name"] == "Громада А"
    assert people(ours) == {"member": (1, 0), "expert": (0, 0), "trainee": (0, 0)}
    assert (ours["discussions"], ours["replies"]) == (1, 0)


def test_only_those_who_moderate_the_space_get_it(client, world, h):
    signed, members = world.spaces["forum_signed"], world.spaces["forum_members"]
    start(client, h["member"], signed, "Тема")
    assert report(client, h["space_moderator"], signed).status_code == 200
    assert report(client, h["admin"], signed).status_code == 200
    assert report(client, h["member"], signed).status_code == 403
    assert report(client, h["expert"], signed).status_code == 403
    # a space one may not read answers as a missing one
    assert report(client, h["outsider"], members).status_code == 404
    assert report(client, h["outsider"], 999_999).status_code == 404
    assert report(client, {}, signed).status_code == 401


def test_a_groups_staff_sees_only_their_groups_in_separate_mode(client, world, h):
    course = published_module(client, h, world.spaces["course"])["forum_id"]
    response = client.patch(
        f"/api/v1/spaces/{course}/forum", headers=h["moderator"], json={"group_mode": "separate"}
    )
    assert response.status_code == 200
    ours = start(client, h["member"], course, "Наша тема")
    theirs = start(client, h["outsider"], course, "Їхня тема")
    assert ours["community_id"] != theirs["community_id"]
    reply(client, h["trainee"], ours["id"])
    reply(client, h["other_expert"], theirs["id"])
    everything = report(client, h["moderator"], course).get_json()
    assert people(everything) == {
        "member": (1, 0),
        "outsider": (1, 0),
        "trainee": (0, 1),
        "other_expert": (0, 1),
    }
    # the expert coaching community A moderates module forums, but sees only group A
    mine = report(client, h["expert"], course)
    assert mine.status_code == 200
    body = mine.get_json()
    assert [g["name"] for g in body["groups"]] == ["Громада А"]
    assert people(body) == {"member": (1, 0), "trainee": (0, 1), "expert": (0, 0)}
    other = everything["groups"]
    b = next(g["id"] for g in other if g["name"] == "Громада Б")
    refused = report(client, h["expert"], course, group=b)
    assert refused.status_code == 422
    assert "group" in refused.get_json()["error"]["fields"]


def test_bad_filters_are_refused_with_a_message(client, world, h):
    forum = world.spaces["forum_signed"]
    backwards = report(client, h["moderator"], forum, first="2025-05-01", last="2025-04-01")
    assert backwards.status_code == 422
    assert backwards.get_json()["error"]["fields"]["first"]
    for params in ({"group": "abc"}, {"first": "2025-13-01"}, {"last": "0001-01-01"}):
        assert report(client, h["moderator"], forum, **params).status_code == 422
    assert report(client, h["moderator"], forum, group=999_999).status_code == 422


def test_internal_notes_count_only_for_those_who_read_them(app, client, world, h):
    desk, member = world.spaces["desk"], world.users["member"]
    with app.app_context():
        db.session.add(SpaceMembership(space_id=desk, user_id=member.id, role=SpaceRole.MODERATOR))
        d = Discussion(space_id=desk, title="Питання", author_id=member.id)
        first = Post(discussion=d, author_id=member.id, body="Як?", body_html="Як?")
        db.session.add_all([d, first])
        db.session.flush()
        db.session.add(
            Post(
                discussion=d,
                parent_id=first.id,
                author_id=world.users["expert"].id,
                body="Нотатка",
                body_html="Нотатка",
                internal=True,
            )
        )
        db.session.commit()
    assert people(report(client, h["member"], desk).get_json()) == {"member": (1, 0)}
    assert people(report(client, h["expert"], desk).get_json()) == {
        "member": (1, 0),
        "expert": (0, 1),
    }
