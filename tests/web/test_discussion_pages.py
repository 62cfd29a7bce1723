import re


def _start(client, space_id, key="k1", title="Молодь у комітеті", body="Як залучити учнів?"):
    return client.post(
        f"/spaces/{space_id}/discussions/new",
        data={"title": title, "body": body, "idempotency_key": key},
    )


def test_start_reply_and_see_it_in_every_display_mode(world, login_as):
    member, expert = login_as(world.users["member"]), login_as(world.users["expert"])
    forum = world.spaces["forum_signed"]
    started = _start(member, forum)
    assert started.status_code == 302
    discussion_url = started.headers["Location"]
    page = expert.get(discussion_url).get_data(as_text=True)
    first_id = re.search(r'id="post-(\d+)"', page).group(1)
    replied = expert.post(
        f"/posts/{first_id}/reply",
        data={"body": "Через *шкільне* самоврядування.", "idempotency_key": "r1"},
    )
    assert replied.status_code == 302
    for mode in ("oldest", "newest", "threaded", "nested"):
        page = member.get(f"{discussion_url}?mode={mode}").get_data(as_text=True)
        assert "Молодь у комітеті" in page
        assert ("<em>шкільне</em>" in page) or (mode == "threaded" and "шкільне" in page)
        if mode == "threaded":  # the outline reads as text, without Markdown's asterisks
            assert "Через шкільне самоврядування." in page
            assert "*шкільне*" not in page
    listing = member.get(f"/spaces/{forum}").get_data(as_text=True)
    assert "Молодь у комітеті" in listing


def test_new_replies_are_marked_until_read(world, login_as):
    member, expert = login_as(world.users["member"]), login_as(world.users["expert"])
    forum = world.spaces["forum_signed"]
    url = _start(member, forum).headers["Location"]
    first_id = re.search(r'id="post-(\d+)"', member.get(url).get_data(as_text=True)).group(1)
    expert.post(f"/posts/{first_id}/reply", data={"body": "Нова відповідь", "idempotency_key": "a"})
    listing = member.get(f"/spaces/{forum}").get_data(as_text=True)
    assert '<span class="badge">1</span>' in listing
    assert "post unread" in member.get(url).get_data(as_text=True)
    assert "post unread" not in member.get(url).get_data(as_text=True)
    assert '<span class="badge">1</span>' not in member.get(f"/spaces/{forum}").get_data(
        as_text=True
    )


def test_double_submitted_form_creates_one_discussion(world, login_as):
    member = login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    first, second = _start(member, forum, key="same"), _start(member, forum, key="same")
    assert first.headers["Location"] == second.headers["Location"]
    assert member.get(f"/spaces/{forum}").get_data(as_text=True).count("Молодь у комітеті") == 1


def test_history_is_for_the_author_and_moderators(app, world, login_as):
    member = login_as(world.users["member"])
    url = _start(member, world.spaces["forum_signed"]).headers["Location"]
    post_id = re.search(r'id="post-(\d+)"', member.get(url).get_data(as_text=True)).group(1)
    assert (
        member.post(
            f"/posts/{post_id}/edit", data={"title": "Молодь у комітеті", "body": "Новий текст"}
        ).status_code
        == 302
    )
    assert "Як залучити учнів?" in member.get(f"/posts/{post_id}/history").get_data(as_text=True)
    assert login_as(world.users["moderator"]).get(f"/posts/{post_id}/history").status_code == 200
    assert login_as(world.users["outsider"]).get(f"/posts/{post_id}/history").status_code == 404


def test_expert_room_discussion_pages_are_404_for_outsiders(world, login_as):
    expert = login_as(world.users["expert"])
    url = _start(expert, world.spaces["expert_room"], title="Нотатки Зоря").headers["Location"]
    post_id = re.search(r'id="post-(\d+)"', expert.get(url).get_data(as_text=True)).group(1)
    outsider = login_as(world.users["member"])
    for path in (
        url,
        f"/posts/{post_id}/reply",
        f"/posts/{post_id}/edit",
        f"/posts/{post_id}/history",
        f"/spaces/{world.spaces['expert_room']}/discussions/new",
    ):
        response = outsider.get(path)
        assert response.status_code == 404, path
        assert "Зоря" not in response.get_data(as_text=True)
    assert outsider.post(f"/posts/{post_id}/useful", data={"useful": "1"}).status_code == 404


def test_hostile_markdown_is_inert_on_the_page(world, login_as):
    member = login_as(world.users["member"])
    url = _start(
        member,
        world.spaces["forum_signed"],
        title="<script>alert(1)</script>",
        body="<img src=x onerror=alert(1)> [x](javascript:alert(1))",
    ).headers["Location"]
    page = member.get(url).get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert not re.search(r"<[^>]*\bonerror=", page)  # escaped text is fine, a tag is not
    assert 'href="javascript:' not in page


def test_a_stale_edit_form_keeps_the_text_and_shows_the_current_one(world, login_as):
    member, moderator = login_as(world.users["member"]), login_as(world.users["moderator"])
    url = _start(member, world.spaces["forum_signed"]).headers["Location"]
    post_id = re.search(r'id="post-(\d+)"', member.get(url).get_data(as_text=True)).group(1)
    form = member.get(f"/posts/{post_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    fields = {"title": "Молодь у комітеті", "version": version}
    saved = moderator.post(f"/posts/{post_id}/edit", data={**fields, "body": "Текст модератора"})
    assert saved.status_code == 302
    stale = member.post(f"/posts/{post_id}/edit", data={**fields, "body": "Мій довгий текст"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 200
    assert "Мій довгий текст</textarea>" in page and "Текст модератора</pre>" in page
    assert "Хтось інший змінив" in page
    newer = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    assert int(newer) == int(version) + 1
    again = member.post(
        f"/posts/{post_id}/edit", data={**fields, "version": newer, "body": "Мій довгий текст"}
    )
    assert again.status_code == 302
    assert "Мій довгий текст" in member.get(url).get_data(as_text=True)


def test_a_closed_edit_window_says_so(app, world, login_as):
    from datetime import timedelta

    from cop.discussions.models import Post
    from cop.extensions import db

    member = login_as(world.users["member"])
    url = _start(member, world.spaces["forum_signed"]).headers["Location"]
    post_id = int(re.search(r'id="post-(\d+)"', member.get(url).get_data(as_text=True)).group(1))
    with app.app_context():
        db.session.get(Post, post_id).created_at -= timedelta(minutes=31)
        db.session.commit()
    for late in (
        member.get(f"/posts/{post_id}/edit"),
        member.post(f"/posts/{post_id}/edit", data={"title": "Молодь", "body": "Пізно"}),
    ):
        assert late.status_code == 403
        assert "Минули 30 хв, відведені на редагування." in late.get_data(as_text=True)
    other = login_as(world.users["outsider"]).get(f"/posts/{post_id}/edit")
    assert other.status_code == 403
    assert "відведені на редагування" not in other.get_data(as_text=True)


def test_a_qanda_forum_says_when_others_answers_show(app, client, h, world, login_as):
    from datetime import timedelta

    from cop.discussions.models import Post
    from cop.extensions import db
    from tests.api.test_forum_modes import configure, start

    forum = world.spaces["forum_signed"]
    configure(client, h, forum, forum_type="qanda")
    app.config["COP_EDIT_WINDOW_MINUTES"] = 45
    question = start(client, h["expert"], forum, "Вправа: ваша SWOT").get_json()
    url = f"/api/v1/discussions/{question['id']}/posts"
    client.post(url, headers=h["outsider"], json={"body": "Відповідь Бета"})
    member = login_as(world.users["member"])
    rule = "відповіді інших з’являються для вас через 45 хв"
    assert rule in member.get(f"/spaces/{forum}").get_data(as_text=True)
    before = member.get(f"/discussions/{question['id']}").get_data(as_text=True)
    assert "Це форум запитань і відповідей: відповіді інших" in before and "45 хв" in before
    assert "Відповідь Бета" not in before
    mine = client.post(url, headers=h["member"], json={"body": "Моя відповідь"}).get_json()
    after = member.get(f"/discussions/{question['id']}").get_data(as_text=True)
    assert "Вашу відповідь опубліковано." in after and "45 хв" in after
    assert "Відповідь Бета" not in after
    with app.app_context():
        db.session.get(Post, mine["id"]).created_at -= timedelta(minutes=46)
        db.session.commit()
    unlocked = member.get(f"/discussions/{question['id']}").get_data(as_text=True)
    assert "Відповідь Бета" in unlocked
    assert "Вашу відповідь опубліковано." not in unlocked and "45 хв" not in unlocked


def test_an_each_person_one_forum_states_its_rule_and_links_ones_own(client, world, h, login_as):
    forum = world.spaces["forum_signed"]
    configured = client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["moderator"], json={"forum_type": "each_one"}
    )
    assert configured.status_code == 200
    member, outsider = login_as(world.users["member"]), login_as(world.users["outsider"])
    page = member.get(f"/spaces/{forum}").get_data(as_text=True)
    assert "У цьому форумі кожна людина може почати одне обговорення." in page
    assert "Ваше обговорення:" not in page and "Розпочати обговорення" in page
    assert _start(member, forum, title="Моя тема").status_code == 302
    page = member.get(f"/spaces/{forum}").get_data(as_text=True)
    assert re.search(r"Ваше обговорення:\s*<a href=\"/discussions/\d+\">Моя тема</a>", page)
    assert "Розпочати обговорення" not in page
    page = outsider.get(f"/spaces/{forum}").get_data(as_text=True)
    assert "Ваше обговорення:" not in page and "Розпочати обговорення" in page


def test_a_forum_may_show_each_posts_word_count(client, world, h, login_as):
    forum = world.spaces["forum_signed"]
    member = login_as(world.users["member"])
    url = _start(member, forum, title="Лічба", body="**Три** слова тут, і ще п'ять-шість").headers[
        "Location"
    ]
    posts = client.get(f"/api/v1{url}/posts", headers=h["member"]).get_json()["items"]
    assert posts[0]["word_count"] is None and "Слів:" not in member.get(url).get_data(as_text=True)
    settings = {"show_word_count": True}
    configured = client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["moderator"], json=settings
    )
    assert configured.status_code == 200 and configured.get_json()["show_word_count"]
    assert "Слів: 6" in member.get(url).get_data(as_text=True)
    posts = client.get(f"/api/v1{url}/posts", headers=h["member"]).get_json()["items"]
    assert posts[0]["word_count"] == 6
    moderator = login_as(world.users["moderator"])
    form = moderator.get(f"/spaces/{forum}/forum").get_data(as_text=True)
    assert 'name="show_word_count"' in form and "Показувати кількість слів" in form


def test_the_threaded_outline_marks_private_replies(client, world, h, login_as):
    from tests.api.test_discussions_api import reply, start

    d = start(client, h["member"], world.spaces["forum_signed"])
    reply(client, h["expert"], d["id"], body="Відкрита порада")
    reply(client, h["expert"], d["id"], body="Таємна порада Квазар", private=True)
    page = login_as(world.users["moderator"]).get(f"/discussions/{d['id']}?mode=threaded")
    outline = page.get_data(as_text=True).split('<ul class="outline">')[1].split("</ul>")[0]
    items = {re.search(r">([^<]+)</a>", li).group(1): li for li in outline.split("<li>")[1:]}
    assert "приватна відповідь" in items["Таємна порада Квазар"]
    assert "приватна відповідь" not in items["Відкрита порада"]
