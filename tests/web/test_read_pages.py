"""Read tracking on the pages: unread counts per forum on the dashboard and the spaces
list, 'new' markers in a discussion, 'mark all read' per forum and everywhere."""

import re
from datetime import timedelta

from cop.discussions.models import Discussion, ForumSettings, ForumType, GroupMode, Post
from cop.extensions import db
from cop.spaces.models import Space, SpaceKind, Visibility
from tests.conftest import QueryCounter


def start(client, space_id, title="Як рахувати бюджет участі?", body="Підкажіть, будь ласка."):
    response = client.post(
        f"/spaces/{space_id}/discussions/new",
        data={"title": title, "body": body, "idempotency_key": f"{space_id}-{title}"},
    )
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def reply(client, discussion_id, body="Відповідь"):
    page = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    first = re.search(r'id="post-(\d+)"', page).group(1)
    response = client.post(f"/posts/{first}/reply", data={"body": body, "idempotency_key": body})
    assert response.status_code == 302


def card(page: str, title: str) -> str | None:
    """The dashboard or list card of the space with this title."""
    for item in re.findall(r'<li class="card">.*?</li>', page, re.S):
        if f"<strong>{title}</strong>" in item:
            return item
    return None


def badge(page: str, title: str) -> str | None:
    found = re.search(r'<span class="badge">([^<]*)</span>', card(page, title) or "")
    return found.group(1) if found else None


def test_dashboard_and_space_list_count_unread_posts_per_forum(client, world, login_as):
    expert, trainee = login_as(world.users["expert"]), login_as(world.users["trainee"])
    member, outsider = login_as(world.users["member"]), login_as(world.users["outsider"])
    d = start(expert, world.spaces["forum_signed"], title="Тема для всіх")
    reply(trainee, d)
    start(expert, world.spaces["expert_room"], title="Тема кімнати")
    start(expert, world.spaces["forum_public"], title="Відкрита тема")
    start(member, world.spaces["forum_members"], title="Тема своїх")
    for path in ("/", "/spaces"):
        page = member.get(path).get_data(as_text=True)
        assert badge(page, "Загальний форум") == "Непрочитаних: 2", path
        assert badge(page, "Форум для своїх") is None  # their own post
        assert "Кімната Zorya" not in page
        page = outsider.get(path).get_data(as_text=True)
        assert badge(page, "Загальний форум") == "Непрочитаних: 2"
        assert card(page, "Форум для своїх") is None and "Кімната Zorya" not in page
        page = trainee.get(path).get_data(as_text=True)
        assert badge(page, "Кімната Zorya") == "Непрочитаних: 1"
        assert badge(page, "Загальний форум") is None  # replying read it
    for path in ("/", "/spaces"):
        page = client.get(path).get_data(as_text=True)
        assert card(page, "Відкритий форум") and "badge" not in page  # guests: no counts


def test_mark_a_forum_read_on_its_page(world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    forum, other = world.spaces["forum_signed"], world.spaces["forum_public"]
    discussions = [start(expert, forum, title=f"Тема {i}") for i in range(3)]
    start(expert, other, title="Інша тема")
    page = member.get(f"/spaces/{forum}").get_data(as_text=True)
    assert page.count('<span class="badge">1</span>') == 3
    done = member.post(f"/spaces/{forum}/read")
    assert done.status_code == 302 and done.headers["Location"] == f"/spaces/{forum}"
    page = member.get(done.headers["Location"]).get_data(as_text=True)
    assert "Усе тут позначено прочитаним." in page
    assert '<span class="badge">' not in page
    dashboard = member.get("/").get_data(as_text=True)
    assert badge(dashboard, "Загальний форум") is None
    assert badge(dashboard, "Відкритий форум") == "Непрочитаних: 1"
    reply(expert, discussions[0], body="Щось нове")
    assert badge(member.get("/").get_data(as_text=True), "Загальний форум") == "Непрочитаних: 1"
    assert 'class="post unread' in member.get(f"/discussions/{discussions[0]}").get_data(
        as_text=True
    )


def test_mark_everything_read_from_the_dashboard(world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    d = start(expert, world.spaces["forum_signed"])
    start(expert, world.spaces["forum_public"])
    assert 'action="/read"' in member.get("/").get_data(as_text=True)
    done = member.post("/read")
    assert done.status_code == 302 and done.headers["Location"] == "/"
    page = member.get("/").get_data(as_text=True)
    assert "Усе позначено прочитаним." in page
    assert 'class="badge"' not in page
    assert 'class="post unread' not in member.get(f"/discussions/{d}").get_data(as_text=True)
    reply(expert, d, body="Нова порада")
    assert badge(member.get("/").get_data(as_text=True), "Загальний форум") == "Непрочитаних: 1"


def test_marking_read_needs_the_csrf_token_and_a_visible_forum(app, world, login_as):
    member = login_as(world.users["member"])
    app.config["WTF_CSRF_ENABLED"] = True
    forum = world.spaces["forum_signed"]
    assert member.post("/read").status_code == 400
    assert member.post(f"/spaces/{forum}/read").status_code == 400
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', member.get("/").get_data(as_text=True)
    ).group(1)
    assert member.post("/read", data={"csrf_token": token}).status_code == 302
    assert member.post(f"/spaces/{forum}/read", data={"csrf_token": token}).status_code == 302
    room = world.spaces["expert_room"]
    assert member.post(f"/spaces/{room}/read", data={"csrf_token": token}).status_code == 404
    app.config["WTF_CSRF_ENABLED"] = False
    assert app.test_client().post(f"/spaces/{forum}/read").status_code == 302  # to sign in


def test_new_markers_follow_the_horizon_and_the_forum_mark(app, world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    d = start(expert, forum)
    reply(expert, d, body="Давня відповідь")
    reply(expert, d, body="Свіжа відповідь")
    with app.app_context():
        posts = db.session.scalars(db.select(Post).where(Post.discussion_id == d).order_by(Post.id))
        for post, days in zip(posts, (20, 15, 0), strict=True):
            post.created_at -= timedelta(days=days)
        db.session.commit()
    page = member.get(f"/discussions/{d}").get_data(as_text=True)
    assert page.count('class="post unread') == 1
    assert "Свіжа відповідь" in page.split('class="post unread')[1]
    assert 'class="post unread' not in member.get(f"/discussions/{d}").get_data(as_text=True)
    reply(expert, d, body="Ще одна")
    member.post(f"/spaces/{forum}/read")
    assert 'class="post unread' not in member.get(f"/discussions/{d}").get_data(as_text=True)


def _grow(app, world, forums: int, discussions: int, posts: int) -> None:
    """Forums of every type and group mode, full of others' posts and private replies."""
    author, reader = world.users["outsider"].id, world.users["member"].id
    kinds = [
        {},
        {"forum_type": ForumType.QANDA},
        {"group_mode": GroupMode.SEPARATE},
    ]
    with app.app_context():
        for i in range(forums):
            space = Space(
                kind=SpaceKind.FORUM, visibility=Visibility.SIGNED_IN, title=f"Ф{i}", description=""
            )
            settings = kinds[i % len(kinds)]
            if settings:
                space.forum = ForumSettings(**settings)
            for j in range(discussions):
                discussion = Discussion(space=space, title=f"Т{j}", author_id=author)
                first = Post(discussion=discussion, author_id=author, body="x", body_html="x")
                db.session.add(first)
                db.session.flush()
                db.session.add_all(
                    Post(
                        discussion=discussion,
                        parent_id=first.id,
                        author_id=author,
                        body="y",
                        body_html="y",
                        private_to_id=reader if k % 4 == 0 else None,
                    )
                    for k in range(posts - 1)
                )
        db.session.commit()


def test_unread_counts_take_the_same_queries_for_any_number_of_forums(app, world, login_as, h):
    member = login_as(world.users["member"])
    with app.app_context():
        engine = db.engine

    def count() -> int:
        with QueryCounter(engine) as queries:
            for path in ("/", "/spaces"):
                assert "Непрочитаних" in member.get(path).get_data(as_text=True)
            assert app.test_client().get("/api/v1/spaces", headers=h["member"]).status_code == 200
        return len(queries)

    _grow(app, world, forums=3, discussions=1, posts=2)
    count()  # the token's first use is recorded once
    _grow(app, world, forums=1, discussions=1, posts=1)
    counted = count()  # after a write: counted again
    kept = count()  # nothing written since: the kept counts (cop/person_cache.py)
    assert kept < counted
    _grow(app, world, forums=30, discussions=4, posts=9)
    assert count() == counted
    assert count() == kept
