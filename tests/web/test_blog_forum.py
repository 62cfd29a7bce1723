"""A blog-style forum: each discussion's opening post in full, newest started first."""

import re

from tests.conftest import QueryCounter


def _blog(client, h, forum):
    response = client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["moderator"], json={"forum_type": "blog"}
    )
    assert response.status_code == 200, response.get_json()


def _start(client, space_id, title, body, key):
    response = client.post(
        f"/spaces/{space_id}/discussions/new",
        data={"title": title, "body": body, "idempotency_key": key},
    )
    assert response.status_code == 302
    return response.headers["Location"]


def _titles(page):
    return re.findall(r'<h3>(?:<span class="tag">[^<]*</span> )?<a href="[^"]+">([^<]+)</a>', page)


def test_blog_shows_full_opening_posts_newest_first_and_replies_do_not_reorder(
    client, world, h, login_as
):
    member, expert = login_as(world.users["member"]), login_as(world.users["expert"])
    forum = world.spaces["forum_signed"]
    _blog(client, h, forum)
    old = _start(member, forum, "Бюджет участі", "Як ми *рахували* голоси:\n\n1. онлайн", "a")
    _start(member, forum, "Молодіжна рада", "Хто **має** досвід?", "b")
    first_id = re.search(r'id="post-(\d+)"', expert.get(old).get_data(as_text=True)).group(1)
    replied = expert.post(
        f"/posts/{first_id}/reply", data={"body": "Дякую!", "idempotency_key": "r"}
    )
    assert replied.status_code == 302
    page = member.get(f"/spaces/{forum}").get_data(as_text=True)
    assert _titles(page) == ["Молодіжна рада", "Бюджет участі"]  # the reply moved nothing
    assert "Як ми <em>рахували</em> голоси:" in page and "<li>онлайн</li>" in page
    assert "Хто <strong>має</strong> досвід?" in page
    assert "Дякую!" not in page  # replies stay on the discussion page
    assert "Обговорити (1 відповідь)" in page and "Обговорити (0 відповідей)" in page
    assert world.users["member"].display_name in page


def test_blog_page_runs_the_same_queries_for_3_and_12_discussions(app, client, world, h, login_as):
    from cop.extensions import db

    member = login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    _blog(client, h, forum)
    counts = []
    for n in range(12):
        _start(member, forum, f"Запис {n}", f"Текст запису {n}", f"k{n}")
        if n + 1 in (3, 12):
            with app.app_context(), QueryCounter(db.engine) as queries:
                page = member.get(f"/spaces/{forum}").get_data(as_text=True)
            assert len(_titles(page)) == n + 1 and f"Текст запису {n}" in page
            counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_hidden_opening_post_is_not_shown_in_the_blog(app, client, world, h, login_as):
    from cop.db import utcnow
    from cop.discussions.models import Post
    from cop.extensions import db

    member, outsider = login_as(world.users["member"]), login_as(world.users["outsider"])
    forum = world.spaces["forum_signed"]
    _blog(client, h, forum)
    _start(member, forum, "Прихований", "Секретний текст", "s")
    with app.app_context():
        post = db.session.scalar(db.select(Post).where(Post.body == "Секретний текст"))
        post.hidden_at = utcnow()
        db.session.commit()
    assert "Секретний текст" in member.get(f"/spaces/{forum}").get_data(as_text=True)
    other = outsider.get(f"/spaces/{forum}").get_data(as_text=True)
    assert "Прихований" in other and "Секретний текст" not in other
    assert "Перший допис недоступний." in other


def test_the_settings_form_offers_and_saves_the_blog_type(world, login_as):
    moderator, member = login_as(world.users["moderator"]), login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    form = moderator.get(f"/spaces/{forum}/forum").get_data(as_text=True)
    assert 'value="blog"' in form and "Блог: повні дописи, новіші вгорі" in form
    fields = ("subscription_mode", "group_mode", "read_tracking", "max_attachments")
    data = dict(zip(fields, ("optional", "none", "optional", "5"), strict=True))
    for zero in ("post_period_hours", "warn_after", "block_after"):
        data[zero] = "0"
    saved = moderator.post(
        f"/spaces/{forum}/forum", data={**data, "forum_type": "blog", "max_attachment_mb": "5"}
    )
    assert saved.status_code == 302
    _start(member, forum, "Запис у блозі", "Повний текст запису", "f")
    page = member.get(f"/spaces/{forum}").get_data(as_text=True)
    assert "Повний текст запису" in page and "Обговорити (0 відповідей)" in page
