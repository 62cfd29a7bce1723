"""Moodle's group modes (communities as groups) and forum types, on every read path."""

from datetime import timedelta

from cop.discussions.models import Post
from cop.extensions import db


def configure(client, h, space_id, **settings):
    response = client.patch(
        f"/api/v1/spaces/{space_id}/forum", headers=h["moderator"], json=settings
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def start(client, headers, space_id, title, **extra):
    return client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": "Текст", **extra},
    )


def titles(client, headers, space_id):
    body = client.get(f"/api/v1/spaces/{space_id}/discussions", headers=headers).get_json()
    return {d["title"] for d in body["items"]}, body["total"]


def test_separate_groups_hide_other_communities_discussions(client, world, h):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, group_mode="separate")
    ours = start(client, h["member"], forum, "Наш бюджет Альфа").get_json()
    theirs = start(client, h["outsider"], forum, "Їхній бюджет Бета").get_json()
    everyone = start(client, h["moderator"], forum, "Для всіх").get_json()
    assert ours["community_id"] != theirs["community_id"] and everyone["community_id"] is None
    assert titles(client, h["member"], forum) == ({"Наш бюджет Альфа", "Для всіх"}, 2)
    assert titles(client, h["outsider"], forum) == ({"Їхній бюджет Бета", "Для всіх"}, 2)
    # experts see the communities their groups coach; moderators see all
    assert titles(client, h["expert"], forum)[0] == {"Наш бюджет Альфа", "Для всіх"}
    assert titles(client, h["other_expert"], forum)[0] == {"Їхній бюджет Бета", "Для всіх"}
    assert titles(client, h["moderator"], forum)[1] == 3
    for path in (
        f"/api/v1/discussions/{theirs['id']}",
        f"/api/v1/discussions/{theirs['id']}/posts",
    ):
        assert client.get(path, headers=h["member"]).status_code == 404
    assert (
        client.post(
            f"/api/v1/discussions/{theirs['id']}/posts",
            headers=h["member"],
            json={"body": "Втручаюся"},
        ).status_code
        == 404
    )
    refused = start(client, h["member"], forum, "Чужа", community_id=theirs["community_id"])
    assert refused.status_code == 422


def test_visible_groups_let_everyone_read_but_write_only_in_their_own(client, world, h):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, group_mode="visible")
    theirs = start(client, h["outsider"], forum, "Їхній проєкт").get_json()
    assert "Їхній проєкт" in titles(client, h["member"], forum)[0]
    assert (
        client.get(f"/api/v1/discussions/{theirs['id']}/posts", headers=h["member"]).status_code
        == 200
    )
    assert (
        client.post(
            f"/api/v1/discussions/{theirs['id']}/posts",
            headers=h["member"],
            json={"body": "Можна й нам?"},
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/discussions/{theirs['id']}/posts",
            headers=h["other_expert"],
            json={"body": "Експерт групи Б відповідає"},
        ).status_code
        == 201
    )


def test_group_mode_pages_follow_the_same_rule(client, world, h, login_as):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, group_mode="separate")
    theirs = start(client, h["outsider"], forum, "Таємниця Бета").get_json()
    member = login_as(world.users["member"])
    assert "Таємниця Бета" not in member.get(f"/spaces/{forum}").get_data(as_text=True)
    assert member.get(f"/discussions/{theirs['id']}").status_code == 404


def test_single_discussion_forum(client, world, h):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, forum_type="single")
    found, total = titles(client, h["member"], forum)
    assert total == 1 and found == {"Загальний форум"}
    assert start(client, h["member"], forum, "Ще одна").status_code == 409
    assert start(client, h["admin"], forum, "І адмін не може").status_code == 409


def test_each_person_posts_one_discussion(client, world, h):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, forum_type="each_one")
    assert start(client, h["member"], forum, "Моя перша").status_code == 201
    second = start(client, h["member"], forum, "Моя друга")
    assert second.status_code == 409 and second.get_json()["error"]["message"]
    assert start(client, h["outsider"], forum, "Моя").status_code == 201


def test_qanda_shows_others_replies_after_posting_and_the_edit_window(app, client, world, h):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, forum_type="qanda")
    question = start(client, h["expert"], forum, "Вправа: ваша SWOT").get_json()
    url = f"/api/v1/discussions/{question['id']}/posts"
    answer = client.post(url, headers=h["outsider"], json={"body": "Відповідь Бета"}).get_json()

    def bodies(who):
        return {p["body"] for p in client.get(url, headers=h[who]).get_json()["items"]}

    assert bodies("member") == {"Текст"}
    assert client.get(f"/api/v1/posts/{answer['id']}", headers=h["member"]).status_code == 404
    listed = client.get(f"/api/v1/spaces/{forum}/discussions", headers=h["member"]).get_json()
    assert listed["items"][0]["reply_count"] == 0 and listed["items"][0]["unread_count"] == 1
    mine = client.post(url, headers=h["member"], json={"body": "Моя відповідь"}).get_json()
    assert bodies("member") == {"Текст", "Моя відповідь"}  # still inside the edit window
    with app.app_context():
        db.session.get(Post, mine["id"]).created_at -= timedelta(minutes=31)
        db.session.commit()
    assert bodies("member") == {"Текст", "Моя відповідь", "Відповідь Бета"}
    assert bodies("moderator") == {"Текст", "Моя відповідь", "Відповідь Бета"}
    assert bodies("expert") == {"Текст", "Моя відповідь", "Відповідь Бета"}  # asked it
    assert bodies("other_expert") == {"Текст", "Моя відповідь", "Відповідь Бета"}  # teacher
    assert bodies("trainee") == {"Текст"}  # not a teacher, has not answered


def test_an_answer_one_may_not_see_does_not_reorder_ones_list(app, client, world, h, login_as):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, forum_type="qanda")
    older = start(client, h["expert"], forum, "Старше питання").get_json()
    start(client, h["expert"], forum, "Новіше питання")
    answer = client.post(
        f"/api/v1/discussions/{older['id']}/posts", headers=h["outsider"], json={"body": "Так"}
    )
    assert answer.status_code == 201

    def listed(who):
        body = client.get(f"/api/v1/spaces/{forum}/discussions", headers=h[who]).get_json()
        return [(d["title"], d["last_post_at"]) for d in body["items"]]

    assert [t for t, _ in listed("member")] == ["Новіше питання", "Старше питання"]
    assert listed("member")[1][1] == older["created_at"]  # not when the answer came
    page = login_as(world.users["member"]).get(f"/spaces/{forum}").get_data(as_text=True)
    assert page.index("Новіше питання") < page.index("Старше питання")
    for who in ("expert", "moderator"):  # who asked, and who moderates: they read answers
        assert [t for t, _ in listed(who)] == ["Старше питання", "Новіше питання"], who
    assert listed("moderator")[0][1] == answer.get_json()["created_at"]


def test_forum_settings_need_manage_rights(client, world, h):
    forum = world.spaces["forum_signed"]
    response = client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["expert"], json={"group_mode": "separate"}
    )
    assert response.status_code == 403
    bad = client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["moderator"], json={"group_mode": "sometimes"}
    )
    assert bad.status_code == 422
    assert client.get(f"/api/v1/spaces/{forum}/forum").status_code == 404  # guest


def test_the_api_makes_a_forum_a_blog(client, world, h):
    forum = world.spaces["forum_signed"]
    assert configure(client, h, forum, forum_type="blog")["forum_type"] == "blog"
    shown = client.get(f"/api/v1/spaces/{forum}/forum", headers=h["member"]).get_json()
    assert shown["forum_type"] == "blog"
    first = start(client, h["member"], forum, "Перший запис")
    assert first.status_code == 201
    assert start(client, h["member"], forum, "Другий запис").status_code == 201
    replied = client.post(
        f"/api/v1/discussions/{first.get_json()['id']}/posts",
        headers=h["expert"],
        json={"body": "Відповідь не піднімає запис"},
    )
    assert replied.status_code == 201
    listed = client.get(f"/api/v1/spaces/{forum}/discussions", headers=h["member"]).get_json()
    titles = [d["title"] for d in listed["items"]]
    assert titles.index("Другий запис") < titles.index("Перший запис")  # newest started first
    refused = client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["moderator"], json={"forum_type": "vlog"}
    )
    assert refused.status_code == 422 and refused.get_json()["error"]["message"]
