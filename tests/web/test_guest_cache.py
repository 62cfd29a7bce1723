"""The guest page cache: guests get the page from memory until anything is written, in
their own language; signed-in people and private content never go through it."""

import re
import sys
import threading
import time

import pytest
from sqlalchemy import update

from cop import create_app
from cop.accounts.models import User
from cop.discussions import service
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.moderation.service import hide_post, move_discussion
from cop.search import backend
from cop.spaces.models import Space
from tests.conftest import QueryCounter, _config, login
from tests.servers import RedisServer, free_port


def _start(app, world, forum="forum_public", title="Бюджет участі"):
    with app.app_context():
        space = db.session.get(Space, world.spaces[forum])
        member = db.session.get(User, world.users["member"].id)
        discussion = service.start_discussion(member, space, title=title, body="Як почати?")
        return discussion.id, service.first_post(discussion).id


def _hit(app, client, path, **kwargs):
    """The response, and whether it came from the cache (no SQL through the app)."""
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as queries:
        response = client.get(path, **kwargs)
    return response, len(queries) == 0


def test_a_guest_sees_a_new_reply_at_once(app, client, world, login_as):
    discussion, first = _start(app, world)
    url = f"/discussions/{discussion}"
    page, cached = _hit(app, client, url)
    assert page.status_code == 200 and not cached
    again, cached = _hit(app, client, url)
    assert cached and again.data == page.data
    assert again.headers["ETag"] and again.headers["Cache-Control"] == "no-cache"
    member = login_as(world.users["member"])
    assert member.post(f"/posts/{first}/reply", data={"body": "Почніть з опитування"}).status_code
    fresh, cached = _hit(app, client, url)
    assert not cached and "Почніть з опитування" in fresh.text
    forum = client.get(f"/spaces/{world.spaces['forum_public']}").text
    assert re.search(r'data-label="Відповіді">1</td>', forum)


def test_a_write_by_another_worker_empties_this_ones_cache(app, client, world, tmp_path):
    """Two app instances on one database stand for two gunicorn workers."""
    discussion, first = _start(app, world)
    other = create_app(_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]))
    url = f"/discussions/{discussion}"
    client.get(url)
    assert _hit(app, client, url)[1]
    with other.app_context():
        expert = db.session.get(User, world.users["expert"].id)
        service.reply(expert, db.session.get(Discussion, discussion), body="З іншого воркера")
        db.session.remove()
        db.engine.dispose()
    fresh, cached = _hit(app, client, url)
    assert not cached and "З іншого воркера" in fresh.text


def test_each_language_has_its_own_copy(app, world):
    discussion, _first = _start(app, world)
    url = f"/discussions/{discussion}"
    uk, en = app.test_client(), app.test_client()
    en.post("/locale/en", data={"next": "/"})
    for _ in range(2):
        assert '<html lang="uk">' in uk.get(url).text
        assert '<html lang="en">' in en.get(url).text
    assert _hit(app, en, url)[1] and _hit(app, uk, url)[1]


def test_a_response_that_sets_a_cookie_is_not_kept(app, world):
    discussion, _first = _start(app, world)
    url = f"/discussions/{discussion}"
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        client.post("/locale/en", data={"next": "/"})
    assert "Set-Cookie" in first.get(url).headers  # the session gets a login-manager flag
    first.get(url)
    page, cached = _hit(app, second, url)
    assert cached and "Set-Cookie" not in page.headers


def test_signed_in_people_never_get_or_leave_a_cached_page(app, client, world, login_as, h):
    discussion, _first = _start(app, world)
    url = f"/discussions/{discussion}"
    client.get(url)
    assert _hit(app, client, url)[1]
    member = login_as(world.users["member"])
    for _ in range(2):
        page, cached = _hit(app, member, url)
        assert not cached and "Вийти" in page.text and "csrf_token" in page.text
        assert "ETag" not in page.headers
    with_token, cached = _hit(app, app.test_client(), url, headers=h["expert"])
    assert not cached and "Вийти" in with_token.text
    guest_page = client.get(url).text
    assert "Вийти" not in guest_page and 'name="csrf_token"' not in guest_page


def test_a_space_closed_to_guests_is_not_served_from_the_cache(app, client, world, h):
    forum = world.spaces["forum_public"]
    discussion, _first = _start(app, world, title="Відкрита тема")
    client.get(f"/spaces/{forum}")
    assert _hit(app, client, f"/spaces/{forum}")[1]
    closed = client.patch(
        f"/api/v1/spaces/{forum}", json={"visibility": "members"}, headers=h["admin"]
    )
    assert closed.status_code == 200
    assert client.get(f"/spaces/{forum}").status_code == 404
    assert client.get(f"/discussions/{discussion}").status_code == 404


def test_an_expert_rooms_pages_stay_404_for_guests(app, client, world, login_as):
    expert = login_as(world.users["expert"])
    started = expert.post(
        f"/spaces/{world.spaces['expert_room']}/discussions/new",
        data={"title": "Нотатки Зоря", "body": "Лише для групи", "idempotency_key": "z"},
    )
    url = started.headers["Location"]
    assert "Лише для групи" in expert.get(url).text
    for _ in range(2):
        page, cached = _hit(app, client, url)
        assert page.status_code == 404 and not cached and "Лише для групи" not in page.text
    assert "Лише для групи" in expert.get(url).text


def test_a_flash_message_is_neither_served_from_nor_kept_in_the_cache(app, client, world):
    login(client, world.users["member"])
    client.get("/spaces")
    client.post("/logout")  # flashes "You have signed out."
    flashed, cached = _hit(app, client, "/spaces")
    assert not cached and "Ви вийшли" in flashed.text
    assert "Ви вийшли" not in app.test_client().get("/spaces").text


def test_read_marks_leave_the_cache_alone(app, client, world, login_as):
    discussion, _first = _start(app, world)
    url = f"/discussions/{discussion}"
    client.get(url)
    before = app.wsgi_app.generation()
    login_as(world.users["expert"]).get(url)  # writes the expert's read mark
    assert app.wsgi_app.generation() == before
    assert _hit(app, client, url)[1]


def test_a_browser_revalidates_with_the_etag(app, client, world):
    discussion, _first = _start(app, world)
    url = f"/discussions/{discussion}"
    client.get(url)
    etag = client.get(url).headers["ETag"]
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_cache_stays_within_its_size(app, client, world):
    cache = app.wsgi_app
    discussions = [_start(app, world, title=f"Тема {n}")[0] for n in range(8)]
    size = len(client.get(f"/discussions/{discussions[0]}").data)
    cache.max_bytes = 4 * size + size // 2  # room for four pages
    for d in discussions:
        client.get(f"/discussions/{d}")
    assert cache.size <= cache.max_bytes and len(cache.pages) == 4
    assert _hit(app, client, f"/discussions/{discussions[-1]}")[1]
    assert not _hit(app, client, f"/discussions/{discussions[0]}")[1]


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_guest_pages_set_no_cookie_and_carry_no_token(self, client, world):
        page = client.get("/")
        assert "Set-Cookie" not in page.headers and "csrf_token" not in page.text

    def test_a_guest_switches_language_without_a_token(self, client):
        assert client.post("/locale/en", data={"next": "/"}).status_code == 302
        assert '<html lang="en">' in client.get("/").text

    def test_a_signed_in_person_needs_the_token_to_switch(self, app, client, make_user):
        from tests.conftest import PASSWORD

        user = make_user()
        page = client.get("/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert client.post("/locale/en", data={"next": "/"}).status_code == 400
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/").text).group(1)
        switched = client.post("/locale/en", data={"next": "/", "csrf_token": token})
        assert switched.status_code == 302


def test_a_webinars_questions_leave_guest_pages_kept_and_its_start_does_not(
    app, client, world, live, session_factory
):
    from cop.live import service as live_service
    from cop.live.models import LiveSession

    url = f"/spaces/{world.spaces['forum_public']}"
    client.get(url)
    assert _hit(app, client, url)[1]
    with app.app_context():
        member = db.session.get(User, world.users["member"].id)
        live_service.ask(member, db.session.get(LiveSession, live), "Коли наступне засідання?")
    assert _hit(app, client, url)[1]
    later = session_factory()
    with app.app_context():
        expert = db.session.get(User, world.users["expert"].id)
        live_service.start_session(expert, db.session.get(LiveSession, later))
    assert not _hit(app, client, url)[1]


# --- one render per change: the others get the earlier page meanwhile -------------------


def _long_thread(app, world, replies=600):
    """A discussion whose first page shows a chain of `replies` replies, each answering the
    one before (all in one branch): its page takes a while to render. Returns its URL and
    its first post."""
    discussion, first = _start(app, world, title="Довга гілка")
    with app.app_context():
        member = db.session.get(User, world.users["member"].id)
        body = "Ще одна думка про бюджет участі громади. " * 40
        posts = service.write_replies(
            member, db.session.get(Discussion, discussion), [body] * replies
        )
        ids = [post.id for post in posts]
        db.session.commit()
        for parent, child in zip(ids, ids[1:], strict=False):
            db.session.execute(update(Post).where(Post.id == child).values(parent_id=parent))
        db.session.commit()
    return f"/discussions/{discussion}", first


class _Render(threading.Thread):
    """A guest's request on a thread of its own: the page renders while the test goes on."""

    def __init__(self, app, url):
        super().__init__(daemon=True)
        self.app, self.url, self.page = app, url, None

    def run(self):
        self.page = self.app.test_client().get(self.url)


@pytest.fixture
def quick_switching():
    """Threads take turns every 0.1 ms (Python's default is 5 ms), so the test's thread
    gets its turn while the render is under way."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.0001)
    yield
    sys.setswitchinterval(before)


def _start_render(app, url) -> _Render:
    render = _Render(app, url)
    render.start()
    deadline = time.monotonic() + 30
    while ("uk", url, "") not in app.wsgi_app.rendering:
        assert render.is_alive() and time.monotonic() < deadline, "the render never began"
        time.sleep(0.0005)
    return render


def test_while_a_changed_page_renders_the_next_guest_gets_the_earlier_one(
    app, client, world, login_as, quick_switching
):
    url, first = _long_thread(app, world)
    earlier = client.get(url)
    assert _hit(app, client, url)[1]
    member = login_as(world.users["member"])
    assert member.post(f"/posts/{first}/reply", data={"body": "Нова думка наостанок"}).status_code
    render = _start_render(app, url)
    meanwhile = app.test_client().get(url)
    render.join()
    assert meanwhile.status_code == 200 and meanwhile.data == earlier.data
    assert "Нова думка наостанок" in render.page.text
    after, cached = _hit(app, client, url)
    assert cached and after.data == render.page.data


@pytest.mark.postgresql
@pytest.mark.parametrize("search_backend", ["postgres"], indirect=True)
def test_indexing_a_reply_for_search_changes_nobodys_access(
    app, client, world, login_as, h, quick_switching
):
    """The PostgreSQL search backend writes its index in the database: that is no change
    of who may read what, so the earlier page may still stand in while one renders."""
    url, first = _long_thread(app, world)
    with app.app_context():
        backend.drain()  # the thread's 400 replies
    earlier = client.get(url)
    member = login_as(world.users["member"])
    assert member.post(f"/posts/{first}/reply", data={"body": "шелюга над річкою"}).status_code
    with app.app_context():
        backend.drain()  # what `cop worker` does: the reply into the search table
    found = client.get("/api/v1/search", query_string={"q": "шелюга"}, headers=h["member"])
    assert found.status_code == 200 and found.json["total"] >= 1
    render = _start_render(app, url)
    meanwhile = app.test_client().get(url)
    render.join()
    assert meanwhile.data == earlier.data and "шелюга над річкою" in render.page.text


def test_a_page_whose_readers_changed_is_never_served_from_an_earlier_copy(
    app, client, world, login_as, h, quick_switching
):
    url, first = _long_thread(app, world)
    client.get(url)
    assert _hit(app, client, url)[1]
    member = login_as(world.users["member"])
    assert member.post(f"/posts/{first}/reply", data={"body": "Нова думка наостанок"}).status_code
    render = _start_render(app, url)
    forum = world.spaces["forum_public"]
    closed = app.test_client().patch(
        f"/api/v1/spaces/{forum}", json={"visibility": "members"}, headers=h["admin"]
    )
    assert closed.status_code == 200
    meanwhile = app.test_client().get(url)
    render.join()
    assert meanwhile.status_code == 404 and "Довга гілка" not in meanwhile.text
    assert client.get(url).status_code == 404


def test_a_discussion_moved_away_from_guests_is_never_served_from_an_earlier_copy(
    app, client, world, login_as, quick_switching
):
    url, first = _long_thread(app, world)
    client.get(url)
    member = login_as(world.users["member"])
    assert member.post(f"/posts/{first}/reply", data={"body": "Нова думка наостанок"}).status_code
    render = _start_render(app, url)
    with app.app_context():
        admin = db.session.get(User, world.users["admin"].id)
        discussion = db.session.get(Discussion, int(url.rsplit("/", 1)[1]))
        move_discussion(admin, discussion, db.session.get(Space, world.spaces["forum_members"]))
    meanwhile = app.test_client().get(url)
    render.join()
    assert meanwhile.status_code == 404 and "Довга гілка" not in meanwhile.text


def test_a_post_hidden_meanwhile_is_never_served_from_an_earlier_copy(
    app, client, world, login_as, quick_switching
):
    url, first = _long_thread(app, world)
    with app.app_context():
        member = db.session.get(User, world.users["member"].id)
        discussion = db.session.get(Discussion, int(url.rsplit("/", 1)[1]))
        rude = service.reply(member, discussion, body="Грубе слово для прикладу")
    assert "Грубе слово" in client.get(url).text
    member = login_as(world.users["member"])
    assert member.post(f"/posts/{first}/reply", data={"body": "Нова думка наостанок"}).status_code
    render = _start_render(app, url)
    with app.app_context():
        hide_post(db.session.get(User, world.users["admin"].id), db.session.get(Post, rude.id))
    meanwhile = app.test_client().get(url)
    render.join()
    assert meanwhile.status_code == 200 and "Грубе слово" not in meanwhile.text


# --- one render for every serving process, through the queue's Redis ------------------


@pytest.fixture(scope="module")
def redis_url():
    server = RedisServer()
    yield server.url
    server.stop()


class TestSharedByTwoWorkers:
    """Two app instances on one database and one Redis stand for two gunicorn workers."""

    @pytest.fixture
    def app_config(self, redis_url):
        return {"COP_GUEST_CACHE_SHARE": redis_url}

    @pytest.fixture
    def other(self, app, tmp_path, redis_url):
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        other = create_app(_config(tmp_path, uri, COP_GUEST_CACHE_SHARE=redis_url))
        yield other
        with other.app_context():
            db.engine.dispose()

    def test_a_page_outdated_by_a_write_is_rendered_by_one_worker_for_both(
        self, app, other, client, world, login_as
    ):
        discussion, first = _start(app, world)
        url, guest = f"/discussions/{discussion}", other.test_client()
        for worker, visitor in ((app, client), (other, guest)):
            visitor.get(url)
            assert _hit(worker, visitor, url)[1]
        member = login_as(world.users["member"])
        assert member.post(f"/posts/{first}/reply", data={"body": "Одна відповідь"}).status_code
        fresh, cached = _hit(app, client, url)
        assert not cached and "Одна відповідь" in fresh.text
        shared, cached = _hit(other, guest, url)
        assert cached and shared.data == fresh.data and shared.headers["ETag"]

    def test_while_one_worker_renders_the_other_answers_with_its_earlier_page(
        self, app, other, world, login_as, quick_switching
    ):
        url, first = _long_thread(app, world)
        guest = other.test_client()
        earlier = guest.get(url)
        app.test_client().get(url)
        member = login_as(world.users["member"])
        assert member.post(
            f"/posts/{first}/reply", data={"body": "Нова думка наостанок"}
        ).status_code
        render = _start_render(app, url)
        meanwhile = guest.get(url)
        render.join()
        assert meanwhile.data == earlier.data and "Нова думка наостанок" in render.page.text
        after, cached = _hit(other, guest, url)
        assert cached and after.data == render.page.data


class TestSharedRedisDown:
    """The Redis to share through does not answer (nothing listens on its port)."""

    @pytest.fixture
    def app_config(self):
        return {"COP_GUEST_CACHE_SHARE": f"redis://127.0.0.1:{free_port()}/0"}

    def test_guests_still_get_kept_pages_and_each_new_one(self, app, client, world, login_as):
        discussion, first = _start(app, world)
        url = f"/discussions/{discussion}"
        client.get(url)
        assert _hit(app, client, url)[1]
        member = login_as(world.users["member"])
        assert member.post(f"/posts/{first}/reply", data={"body": "Без Redis"}).status_code
        fresh, cached = _hit(app, client, url)
        assert fresh.status_code == 200 and not cached and "Без Redis" in fresh.text
        assert _hit(app, client, url)[1]
