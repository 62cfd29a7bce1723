from datetime import timedelta

from cop.discussions.models import Post
from cop.extensions import db
from cop.text import BODY_MAX
from tests.conftest import QueryCounter


def start(client, headers, space_id, title="Як провести SWOT-аналіз?", body="Поради, будь ласка."):
    response = client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": body},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def reply(client, headers, discussion_id, body="Відповідь", **extra):
    return client.post(
        f"/api/v1/discussions/{discussion_id}/posts", headers=headers, json={"body": body, **extra}
    )


def test_start_reply_and_read(client, world, h):
    forum = world.spaces["forum_signed"]
    d = start(client, h["member"], forum)
    assert d["reply_count"] == 0 and d["unread_count"] == 0
    answer = reply(client, h["expert"], d["id"], body="**Спершу** зберіть комітет.")
    assert answer.status_code == 201
    post = answer.get_json()
    assert post["body"] == "**Спершу** зберіть комітет."
    assert "<strong>Спершу</strong>" in post["body_html"]
    listed = client.get(f"/api/v1/spaces/{forum}/discussions", headers=h["member"]).get_json()
    assert listed["items"][0]["reply_count"] == 1 and listed["items"][0]["unread_count"] == 1
    assert client.put(f"/api/v1/discussions/{d['id']}/read", headers=h["member"]).status_code == 204
    again = client.get(f"/api/v1/discussions/{d['id']}", headers=h["member"]).get_json()
    assert again["unread_count"] == 0
    posts = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h["outsider"]).get_json()
    assert [p["parent_id"] is None for p in posts["items"]] == [True, False]


def test_pinned_first_then_latest_activity(client, world, h):
    forum = world.spaces["forum_signed"]
    old, new = start(client, h["member"], forum, "Стара"), start(client, h["member"], forum, "Нова")
    reply(client, h["expert"], old["id"])
    titles = [
        d["title"]
        for d in client.get(f"/api/v1/spaces/{forum}/discussions", headers=h["member"]).get_json()[
            "items"
        ]
    ]
    assert titles == ["Стара", "Нова"]
    assert (
        client.patch(
            f"/api/v1/discussions/{new['id']}", headers=h["moderator"], json={"pinned": True}
        ).status_code
        == 200
    )
    titles = [
        d["title"]
        for d in client.get(f"/api/v1/spaces/{forum}/discussions", headers=h["member"]).get_json()[
            "items"
        ]
    ]
    assert titles == ["Нова", "Стара"]
    assert (
        client.patch(
            f"/api/v1/discussions/{old['id']}", headers=h["member"], json={"pinned": True}
        ).status_code
        == 403
    )


def test_edit_window_and_revisions(app, client, world, h):
    d = start(client, h["member"], world.spaces["forum_signed"])
    first = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h["member"]).get_json()
    post_id = first["items"][0]["id"]
    edited = client.patch(
        f"/api/v1/posts/{post_id}", headers=h["member"], json={"body": "Виправлений текст"}
    )
    assert edited.status_code == 200 and edited.get_json()["edited_at"]
    with app.app_context():
        post = db.session.get(Post, post_id)
        post.created_at -= timedelta(minutes=31)
        db.session.commit()
    late = client.patch(f"/api/v1/posts/{post_id}", headers=h["member"], json={"body": "Ще раз"})
    assert late.status_code == 403
    assert late.get_json()["error"]["message"] == "Минули 30 хв, відведені на редагування."
    by_moderator = client.patch(
        f"/api/v1/posts/{post_id}", headers=h["moderator"], json={"body": "Модератор виправив"}
    )
    assert by_moderator.status_code == 200
    with app.app_context():
        from cop.discussions.queries import list_revisions

        bodies = [r.body for r in list_revisions(db.session.get(Post, post_id))]
    assert bodies == ["Виправлений текст", "Поради, будь ласка."]


def test_a_moderators_edit_names_the_editor_and_the_original_date(client, world, h, login_as):
    d = start(client, h["member"], world.spaces["forum_signed"])
    first = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h["member"]).get_json()
    post_id = first["items"][0]["id"]
    own = client.patch(f"/api/v1/posts/{post_id}", headers=h["member"], json={"body": "Своє"})
    assert own.get_json()["edited_at"] and own.get_json()["edited_by"] is None
    member = login_as(world.users["member"])
    page = member.get(f"/discussions/{d['id']}").get_data(as_text=True)
    assert "змінено" in page and "Відредаговано:" not in page
    by_moderator = client.patch(
        f"/api/v1/posts/{post_id}", headers=h["moderator"], json={"body": "Модераторське"}
    )
    assert by_moderator.get_json()["edited_by"]["display_name"] == "moderator"
    for name in ("member", "outsider", "moderator"):
        got = client.get(f"/api/v1/posts/{post_id}", headers=h[name]).get_json()
        assert got["edited_by"]["id"] == world.users["moderator"].id
    page = login_as(world.users["outsider"]).get(f"/discussions/{d['id']}").get_data(as_text=True)
    assert "Відредаговано: moderator – першу версію надіслано" in page


def test_delete_rules(client, world, h):
    forum = world.spaces["forum_signed"]
    lonely = start(client, h["member"], forum, "Помилково")
    assert (
        client.delete(f"/api/v1/discussions/{lonely['id']}", headers=h["member"]).status_code == 204
    )
    assert client.get(f"/api/v1/discussions/{lonely['id']}", headers=h["member"]).status_code == 404
    d = start(client, h["member"], forum)
    answer = reply(client, h["expert"], d["id"]).get_json()
    reply(client, h["member"], d["id"], parent_id=answer["id"])
    assert client.delete(f"/api/v1/posts/{answer['id']}", headers=h["expert"]).status_code == 403
    assert client.delete(f"/api/v1/posts/{answer['id']}", headers=h["moderator"]).status_code == 204
    placeholder = client.get(f"/api/v1/posts/{answer['id']}", headers=h["member"]).get_json()
    assert placeholder["deleted"] and placeholder["body"] == "" and placeholder["body_html"] == ""
    posts = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h["member"]).get_json()
    assert len(posts["items"]) == 3  # the thread stays whole


def test_after_the_edit_window_only_moderators_delete(app, client, world, h, login_as):
    """As with editing: once the 30 minutes have passed the author's Delete is gone (a
    discussion's first post would take the whole discussion with it)."""
    forum = world.spaces["forum_signed"]
    d = start(client, h["member"], forum, "Запізно")
    first = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h["member"]).get_json()
    post_id = first["items"][0]["id"]
    member = login_as(world.users["member"])
    page = member.get(f"/discussions/{d['id']}").get_data(as_text=True)
    assert f'action="/posts/{post_id}/delete"' in page
    with app.app_context():
        db.session.get(Post, post_id).created_at -= timedelta(minutes=31)
        db.session.commit()
    page = member.get(f"/discussions/{d['id']}").get_data(as_text=True)
    assert f'action="/posts/{post_id}/delete"' not in page
    for path in (f"/api/v1/posts/{post_id}", f"/api/v1/discussions/{d['id']}"):
        late = client.delete(path, headers=h["member"])
        assert late.status_code == 403
        assert late.get_json()["error"]["message"] == "Минули 30 хв, відведені на редагування."
    assert member.post(f"/posts/{post_id}/delete").status_code == 403
    assert client.get(f"/api/v1/discussions/{d['id']}", headers=h["member"]).status_code == 200
    moderated = client.delete(f"/api/v1/discussions/{d['id']}", headers=h["moderator"])
    assert moderated.status_code == 204


def test_private_reply_is_seen_by_its_addressee_and_moderators_only(client, world, h):
    d = start(client, h["member"], world.spaces["forum_signed"])
    private = reply(client, h["expert"], d["id"], body="Таємна порада Квазар", private=True)
    assert private.status_code == 201 and private.get_json()["private"]
    post_id = private.get_json()["id"]
    for name, sees in (
        ("member", True),
        ("expert", True),
        ("moderator", True),
        ("admin", True),
        ("outsider", False),
        ("trainee", False),
    ):
        posts = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h[name]).get_json()
        bodies = " ".join(p["body"] for p in posts["items"])
        assert ("Квазар" in bodies) == sees, name
        assert (client.get(f"/api/v1/posts/{post_id}", headers=h[name]).status_code == 200) == sees
    listed = client.get(
        f"/api/v1/spaces/{world.spaces['forum_signed']}/discussions", headers=h["outsider"]
    ).get_json()["items"][0]
    assert listed["reply_count"] == 0 and listed["unread_count"] == 1  # only the first post
    refused = reply(client, h["member"], d["id"], private=True)
    assert refused.status_code == 422
    assert reply(client, h["member"], d["id"], parent_id=post_id).status_code == 409


def test_idempotent_create(client, world, h):
    forum = world.spaces["forum_signed"]
    headers = {**h["member"], "Idempotency-Key": "click-1"}
    body = {"title": "Один раз", "body": "Текст"}
    first = client.post(f"/api/v1/spaces/{forum}/discussions", headers=headers, json=body)
    second = client.post(f"/api/v1/spaces/{forum}/discussions", headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert (
        client.get(f"/api/v1/spaces/{forum}/discussions", headers=h["member"]).get_json()["total"]
        == 1
    )
    d = first.get_json()["id"]
    a = reply(client, {**h["expert"], "Idempotency-Key": "r-1"}, d).get_json()
    b = reply(client, {**h["expert"], "Idempotency-Key": "r-1"}, d).get_json()
    assert a["id"] == b["id"]
    assert (
        client.get(f"/api/v1/discussions/{d}", headers=h["member"]).get_json()["reply_count"] == 1
    )


def test_expert_room_discussions_are_unreachable_for_outsiders(client, world, h):
    room = world.spaces["expert_room"]
    d = start(client, h["expert"], room, "План візиту Зоря")
    post = reply(client, h["trainee"], d["id"]).get_json()
    for name in ("member", "outsider", "other_expert", "space_moderator"):
        for method, path, body in (
            ("get", f"/api/v1/spaces/{room}/discussions", None),
            ("post", f"/api/v1/spaces/{room}/discussions", {"title": "x", "body": "y"}),
            ("get", f"/api/v1/discussions/{d['id']}", None),
            ("patch", f"/api/v1/discussions/{d['id']}", {"pinned": True}),
            ("delete", f"/api/v1/discussions/{d['id']}", None),
            ("get", f"/api/v1/discussions/{d['id']}/posts", None),
            ("post", f"/api/v1/discussions/{d['id']}/posts", {"body": "x"}),
            ("get", f"/api/v1/posts/{post['id']}", None),
            ("patch", f"/api/v1/posts/{post['id']}", {"body": "x"}),
            ("delete", f"/api/v1/posts/{post['id']}", None),
            ("put", f"/api/v1/posts/{post['id']}/useful", None),
            ("put", f"/api/v1/discussions/{d['id']}/read", None),
        ):
            response = getattr(client, method)(path, headers=h[name], json=body)
            assert response.status_code == 404, (name, method, path)
            assert "Зоря" not in response.get_data(as_text=True)


def test_locked_discussions_take_replies_from_moderators_only(client, world, h):
    d = start(client, h["member"], world.spaces["forum_signed"])
    client.patch(f"/api/v1/discussions/{d['id']}", headers=h["moderator"], json={"locked": True})
    assert reply(client, h["expert"], d["id"]).status_code == 403
    assert reply(client, h["moderator"], d["id"]).status_code == 201


def test_useful_once_per_person_and_not_for_oneself(client, world, h):
    d = start(client, h["member"], world.spaces["forum_signed"])
    post = reply(client, h["expert"], d["id"]).get_json()
    url = f"/api/v1/posts/{post['id']}/useful"
    assert client.put(url, headers=h["member"]).get_json()["useful_count"] == 1
    assert client.put(url, headers=h["member"]).get_json()["useful_count"] == 1
    assert client.put(url, headers=h["outsider"]).get_json()["useful_count"] == 2
    assert client.delete(url, headers=h["member"]).get_json()["useful_count"] == 1
    assert client.put(url, headers=h["expert"]).status_code == 403


def test_post_errors(client, world, h):
    d = start(client, h["member"], world.spaces["forum_signed"])
    too_long = reply(client, h["member"], d["id"], body="я" * (BODY_MAX + 1))
    assert too_long.status_code == 422 and "body" in too_long.get_json()["error"]["fields"]
    unknown_parent = reply(client, h["member"], d["id"], parent_id=999999)
    assert unknown_parent.status_code == 422
    course = world.spaces["course"]
    assert (
        client.post(
            f"/api/v1/spaces/{course}/discussions",
            headers=h["expert"],
            json={"title": "x", "body": "y"},
        ).status_code
        == 409
    )


def test_query_counts_do_not_grow_with_posts(app, client, world, h):
    from cop.discussions import service
    from cop.spaces.models import Space

    def grow(n):
        with app.app_context():
            from cop.accounts.models import User

            space = db.session.get(Space, world.spaces["forum_signed"])
            member = db.session.get(User, world.users["member"].id)
            expert = db.session.get(User, world.users["expert"].id)
            d = service.start_discussion(member, space, title=f"Тема {n}", body="Текст")
            for i in range(n):
                service.reply(expert, d, body=f"Відповідь {i}")
            for i in range(n):
                service.start_discussion(expert, space, title=f"Інша {n}-{i}", body="Текст")
            return d.id, db.engine

    def count(path, engine):
        client.get(path, headers=h["member"])
        with QueryCounter(engine) as queries:
            assert client.get(path, headers=h["member"]).status_code == 200
        return len(queries)

    small, engine = grow(10)
    big, _engine = grow(200)
    forum = world.spaces["forum_signed"]
    assert count(f"/api/v1/discussions/{small}/posts?per_page=100", engine) == count(
        f"/api/v1/discussions/{big}/posts?per_page=100", engine
    )
    member = app.test_client()
    from tests.conftest import login

    login(member, world.users["member"])
    for path_small, path_big in (
        (f"/discussions/{small}", f"/discussions/{big}"),
        (f"/discussions/{small}?mode=threaded", f"/discussions/{big}?mode=threaded"),
        (f"/spaces/{forum}", f"/spaces/{forum}?page=2"),
    ):
        counts = []
        for path in (path_small, path_big):
            member.get(path)
            with QueryCounter(engine) as queries:
                assert member.get(path).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1], (path_small, counts)


def test_an_authors_page_costs_the_same_for_few_and_many_own_posts(app, client, world):
    from cop.accounts.models import User
    from cop.discussions import service
    from cop.spaces.models import Space
    from tests.conftest import login

    def grow(n):
        with app.app_context():
            space = db.session.get(Space, world.spaces["forum_signed"])
            member = db.session.get(User, world.users["member"].id)
            d = service.start_discussion(member, space, title=f"Моя тема {n}", body="Текст")
            for i in range(n):
                service.reply(member, d, body=f"Доповнення {i}")
            return d.id, db.engine

    small, engine = grow(5)
    big, _engine = grow(60)
    author = app.test_client()
    login(author, world.users["member"])
    counts = []
    for d in (small, big):
        author.get(f"/discussions/{d}")
        with QueryCounter(engine) as queries:
            assert author.get(f"/discussions/{d}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
