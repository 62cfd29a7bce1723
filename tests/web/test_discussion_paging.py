"""Long discussions come in pages: 20 posts in the flat modes, 10 whole branches in the
threaded ones; permalinks, unread markers and query counts work across pages."""

import re

import pytest

from cop.accounts.models import User
from cop.discussions import service
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.spaces.models import Space
from tests.conftest import QueryCounter, login


def _ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article class="post[^"]*" id="post-(\d+)"', page)]


def _grow(app, world, replies: int, deep_under: int | None = None, forum="forum_public"):
    """A discussion by the member with `replies` replies by the expert to its first post;
    with `deep_under`, that reply gets a chain of three replies below it, posted last.
    Returns the discussion id and every post id in the order written."""
    with app.app_context():
        space = db.session.get(Space, world.spaces[forum])
        member = db.session.get(User, world.users["member"].id)
        expert = db.session.get(User, world.users["expert"].id)
        discussion = service.start_discussion(member, space, title="Довга розмова", body="Почнімо")
        ids = [service.first_post(discussion).id]
        for i in range(replies):
            ids.append(service.reply(expert, discussion, body=f"Відповідь {i}").id)
        if deep_under is not None:
            parent = ids[deep_under]
            for i in range(3):
                parent = service.reply(member, discussion, body=f"Глибше {i}", parent_id=parent).id
                ids.append(parent)
        return discussion.id, ids


def test_flat_modes_show_twenty_posts_a_page_with_page_links(app, client, world):
    discussion, ids = _grow(app, world, 44)  # 45 posts: pages of 20, 20 and 5
    pages = [
        _ids(client.get(f"/discussions/{discussion}?mode=oldest&page={n}").text) for n in (1, 2, 3)
    ]
    assert pages == [ids[:20], ids[20:40], ids[40:]]
    newest = client.get(f"/discussions/{discussion}?mode=newest").text
    assert _ids(newest) == ids[::-1][:20]
    second = client.get(f"/discussions/{discussion}?mode=oldest&page=2").text
    assert 'aria-current="page" aria-label="Сторінка 2 з 3"' in second
    assert f'href="/discussions/{discussion}?mode=oldest&amp;page=3" rel="next"' in second
    assert f'href="/discussions/{discussion}?mode=oldest" rel="prev"' in second
    assert 'rel="prev"' not in client.get(f"/discussions/{discussion}?mode=oldest").text
    assert f'href="/discussions/{discussion}?mode=oldest" aria-label="Сторінка 1"' in second
    for bad in ("page=4", "page=0", "page=-1"):
        assert client.get(f"/discussions/{discussion}?mode=oldest&{bad}").status_code == 404


def test_short_discussions_have_no_page_links(app, client, world):
    discussion, _ids_ = _grow(app, world, 3)
    page = client.get(f"/discussions/{discussion}").text
    assert 'class="pager"' not in page and len(_ids(page)) == 4


def test_threaded_modes_page_by_whole_branches(app, client, world):
    # 14 replies to the first post; the second has three replies below it, posted last
    discussion, ids = _grow(app, world, 14, deep_under=2)
    first, tops, deep = ids[0], ids[1:15], ids[15:]
    page1 = _ids(client.get(f"/discussions/{discussion}").text)
    page2 = _ids(client.get(f"/discussions/{discussion}?page=2").text)
    assert page1[0] == page2[0] == first  # the first post heads every page
    assert set(page1[1:]) == set(tops[:10]) | set(deep)  # the branch stays whole
    assert page2[1:] == tops[10:]
    threaded = client.get(f"/discussions/{discussion}?mode=threaded&page=2").text
    assert f'href="/discussions/{discussion}?page=2#post-{tops[10]}"' in threaded
    assert f'#post-{tops[0]}"' not in threaded


def test_a_permalink_opens_the_page_that_holds_the_post(app, client, world):
    discussion, ids = _grow(app, world, 44, deep_under=1)
    deepest = ids[-1]  # the newest post, deep in the first branch

    def target(post_id, mode=None):
        query = f"?mode={mode}" if mode else ""
        response = client.get(f"/posts/{post_id}{query}")
        assert response.status_code == 302
        return response.headers["Location"]

    assert target(deepest) == f"/discussions/{discussion}#post-{deepest}"
    assert target(ids[40]) == f"/discussions/{discussion}?page=4#post-{ids[40]}"
    assert (
        target(ids[20], "oldest") == f"/discussions/{discussion}?mode=oldest&page=2#post-{ids[20]}"
    )
    assert target(deepest, "newest") == f"/discussions/{discussion}?mode=newest#post-{deepest}"
    assert target(ids[0], "threaded") == f"/discussions/{discussion}?mode=threaded#post-{ids[0]}"
    followed = client.get(target(ids[40]).split("#")[0]).text
    assert f'id="post-{ids[40]}"' in followed
    assert client.get("/posts/999999").status_code == 404


def test_replying_leads_to_the_new_post_on_its_page(app, world, login_as):
    discussion, ids = _grow(app, world, 44, forum="forum_signed")
    member = login_as(world.users["member"])
    replied = member.post(f"/posts/{ids[0]}/reply", data={"body": "Пізня думка"})
    with app.app_context():
        newest = db.session.scalar(db.select(db.func.max(Post.id)))
    assert replied.headers["Location"] == f"/posts/{newest}"
    landing = member.get(f"/posts/{newest}").headers["Location"]
    assert landing == f"/discussions/{discussion}?page=5#post-{newest}"  # the 45th branch
    assert "Пізня думка" in member.get(landing.split("#")[0]).text


def test_private_and_hidden_posts_keep_their_secrets_on_every_page(app, world, login_as, client):
    discussion, ids = _grow(app, world, 30, forum="forum_public")
    with app.app_context():
        expert = db.session.get(User, world.users["expert"].id)
        d = db.session.get(Post, ids[0]).discussion
        private = service.reply(expert, d, body="Лише для автора", parent_id=ids[0], private=True)
        private_id = private.id
    assert client.get(f"/posts/{private_id}").status_code == 404
    outsider = login_as(world.users["outsider"])
    assert outsider.get(f"/posts/{private_id}").status_code == 404
    for n in (1, 2, 3):
        assert (
            "Лише для автора"
            not in client.get(f"/discussions/{discussion}?mode=oldest&page={n}").text
        )
    author = login_as(world.users["member"])  # the addressee: 32 posts, two pages for both
    where = author.get(f"/posts/{private_id}?mode=oldest").headers["Location"]
    assert where == f"/discussions/{discussion}?mode=oldest&page=2#post-{private_id}"
    assert "Лише для автора" in author.get(where.split("#")[0]).text


def test_unread_posts_stay_unread_until_their_page_is_seen(app, world, login_as):
    discussion, ids = _grow(app, world, 44, forum="forum_signed")
    member = login_as(world.users["member"])  # the discussion's author; the replies are new
    forum = f"/spaces/{world.spaces['forum_signed']}"
    oldest = f"/discussions/{discussion}?mode=oldest"
    member.get(oldest)  # the first visit shows page 1 and sets the read mark
    assert '<span class="badge">25</span>' in member.get(forum).text  # pages 2 and 3
    jump = member.get(f"/discussions/{discussion}/unread")
    assert jump.headers["Location"] == f"/posts/{ids[20]}"
    page1 = member.get(oldest).text
    assert f'href="/posts/{ids[20]}?mode=oldest">Перший непрочитаний допис</a>' in page1
    landing = member.get(f"/posts/{ids[20]}?mode=oldest").headers["Location"]
    assert landing == f"{oldest}&page=2#post-{ids[20]}"
    page2 = member.get(f"{oldest}&page=2").text
    assert page2.count("post unread") == 20
    assert '<span class="badge">5</span>' in member.get(forum).text
    member.get(f"{oldest}&page=3")
    assert 'class="badge"' not in member.get(forum).text
    assert "post unread" not in member.get(f"{oldest}&page=2").text


class TestQueryCounts:
    """Rendered pages (the guest page cache is off: a cached page runs no query)."""

    @pytest.fixture
    def app_config(self):
        return {"COP_GUEST_CACHE_MB": 0}

    @staticmethod
    def _counter(app, world):
        with app.app_context():
            engine = db.engine
        guest, member = app.test_client(), app.test_client()
        login(member, world.users["outsider"])

        def count(client, path):
            client.get(path)
            with QueryCounter(engine) as queries:
                assert client.get(path).status_code == 200
            return len(queries)

        return count, (guest, member)

    @pytest.mark.parametrize("mode", ["nested", "threaded", "oldest", "newest"])
    def test_a_discussion_page_costs_the_same_for_10_and_200_posts(self, app, world, mode):
        small, _ = _grow(app, world, 10, deep_under=1)
        big, _ = _grow(app, world, 200, deep_under=1)
        elsewhere, _ = _grow(app, world, 0, forum="forum_signed")
        with app.app_context():
            engine = db.engine
        guest, member = app.test_client(), app.test_client()
        login(member, world.users["outsider"])

        def count(client, path):
            """Statements of a view worked out afresh (someone has just written
            elsewhere) and of the same view again (a member's posts part is kept,
            cop/discussions/page_posts.py)."""
            client.get(path)  # marks the page's posts read
            with app.app_context():
                discussion = db.session.get(Discussion, elsewhere)
                service.reply(db.session.get(User, world.users["expert"].id), discussion, body="…")
            with QueryCounter(engine) as afresh:
                assert client.get(path).status_code == 200
            with QueryCounter(engine) as again:
                assert client.get(path).status_code == 200
            return len(afresh), len(again)

        for client in (guest, member):
            counts = [
                count(client, f"/discussions/{small}?mode={mode}"),
                count(client, f"/discussions/{big}?mode={mode}"),
                count(client, f"/discussions/{big}?mode={mode}&page=3"),
            ]
            assert len(set(counts)) == 1 and min(counts)[1] > 0, counts
            if client is member:  # kept: the page's posts cost no statement
                assert counts[0][1] < counts[0][0] - 4, counts

    def test_a_forum_page_costs_the_same_for_10_and_200_discussions(self, app, world):
        forum = world.spaces["forum_public"]
        count, clients = self._counter(app, world)
        with app.app_context():
            space = db.session.get(Space, forum)
            expert = db.session.get(User, world.users["expert"].id)
            for n in range(10):
                d = service.start_discussion(expert, space, title=f"Тема {n}", body="Текст")
                service.reply(expert, d, body="Відповідь")
        small = [count(client, f"/spaces/{forum}") for client in clients]
        with app.app_context():
            space = db.session.get(Space, forum)
            expert = db.session.get(User, world.users["expert"].id)
            for n in range(190):
                d = service.start_discussion(expert, space, title=f"Ще {n}", body="Текст")
                service.reply(expert, d, body="Відповідь")
        big = [count(client, f"/spaces/{forum}") for client in clients]
        page2 = [count(client, f"/spaces/{forum}?page=2") for client in clients]
        assert small == big == page2 and min(small) > 0, (small, big, page2)
