"""The PostgreSQL backend's search slots (cop/search/pg/slots.py): at most
COP_SEARCH_CONCURRENCY searches at once over every process; one more waits for a slot and
then runs, one whose wait passes COP_SEARCH_WAIT_MS is refused with a 503 that says so,
and a server's event loop answers other requests while a search waits; a bound that
lets no search run is refused at start. The slots of
searches running elsewhere (another process, another machine) are held here by
connections of the test's own, as a search holds one: its transaction's advisory lock."""

import threading
import time
import urllib.parse

import pytest
from sqlalchemy import func, select

from cop import cpu, create_app, text
from cop.discussions import service
from cop.extensions import db
from cop.search.pg import slots
from tests.conftest import DATABASE_URL
from tests.search.helpers import API, person, search, space
from tests.search.test_processes import fetch
from tests.servers import CopServer

postgres_only = pytest.mark.parametrize("search_backend", ["postgres"], indirect=True)
BUSY = "Пошук зараз перевантажений. Спробуйте ще раз за кілька секунд."  # uk, the default


@pytest.fixture
def app_config():
    return {"COP_SEARCH_CONCURRENCY": 2, "COP_SEARCH_WAIT_MS": 0}


class Elsewhere:
    """Searches running elsewhere: each holds a slot in a transaction of its own."""

    def __init__(self, app, slots_held: list[int]):
        with app.app_context():
            self.connections = [db.engine.connect() for _ in slots_held]
        for connection, n in zip(self.connections, slots_held, strict=True):
            connection.execute(select(func.pg_advisory_xact_lock(slots.SLOTS, n)))

    def finish(self, index: int = 0) -> None:
        connection = self.connections[index]
        if not connection.closed:
            connection.rollback()
            connection.close()

    def finish_all(self) -> None:
        for index in range(len(self.connections)):
            self.finish(index)


def _render_on_the_only_worker() -> threading.Thread:
    """A long post rendering in the process's only cpu worker (cpu.start(1)), started."""
    long_post = threading.Thread(target=cpu.run, args=(text._render, "*a* " * 30_000))
    long_post.start()
    while cpu._pool._idle.qsize():  # until the render has the only worker
        time.sleep(0.001)
    return long_post


def _written(app, world, word: str) -> None:
    with app.app_context():
        service.start_discussion(
            person(world, "member"), space(world, "forum_public"), title="Тема", body=word
        )


@pytest.mark.parametrize(
    "setting", [{"COP_SEARCH_CONCURRENCY": 0}, {"COP_SEARCH_WAIT_MS": -1}], ids=str
)
def test_a_bound_that_lets_no_search_run_is_refused_at_start(tmp_path, setting):
    config = {
        "INSTANCE_PATH": tmp_path,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cop.sqlite'}",
        "SECRET_KEY": "test-secret",
        **setting,
    }
    with pytest.raises(RuntimeError, match="COP_SEARCH_CONCURRENCY is at least 1"):
        create_app(config)


def test_a_search_is_refused_while_the_cpu_workers_stay_busy_past_the_bound(
    app, client, monkeypatch
):
    """Either backend: the search waits for one of the process's cpu workers at most
    COP_SEARCH_WAIT_MS, then gets the same refusal."""
    monkeypatch.setenv("COP_INSTANCE_PATH", app.instance_path)
    monkeypatch.setenv("COP_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["COP_SEARCH_WAIT_MS"] = 100
    cpu.start(1, "cop.wsgi")
    try:
        assert search(client, "ясен")["total"] == 0  # the worker has loaded the app
        long_post = _render_on_the_only_worker()
        response = client.get(API, query_string={"q": "ясен"})
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert response.get_json()["error"]["message"] == BUSY
        long_post.join()
        assert search(client, "ясен")["total"] == 0
    finally:
        cpu.stop()


if DATABASE_URL:  # the slots are PostgreSQL's advisory locks

    @postgres_only
    def test_searches_take_the_free_slots_and_give_them_back(app, client, world):
        _written(app, world, "ясен")
        elsewhere = Elsewhere(app, [0])
        try:
            # One of two slots is free: taken without waiting, and given back at the end
            # of the request, so the next search finds it free again.
            for _ in range(3):
                assert search(client, "ясен")["total"] == 1
        finally:
            elsewhere.finish_all()

    @postgres_only
    def test_one_search_more_than_the_slots_waits_for_one_and_then_runs(app, client, world):
        _written(app, world, "ясен")
        app.config["COP_SEARCH_WAIT_MS"] = 20_000
        elsewhere = Elsewhere(app, [0, 1])
        done = threading.Timer(0.5, elsewhere.finish)  # one of them ends half a second on
        try:
            started = time.monotonic()
            done.start()
            assert search(client, "ясен")["total"] == 1
            assert time.monotonic() - started >= 0.5
        finally:
            done.join()
            elsewhere.finish_all()

    @postgres_only
    def test_a_search_that_waits_past_the_bound_is_refused_with_a_message(app, client, world):
        _written(app, world, "ясен")
        app.config["COP_SEARCH_WAIT_MS"] = 300
        elsewhere = Elsewhere(app, [0, 1])
        try:
            started = time.monotonic()
            response = client.get(API, query_string={"q": "ясен"})
            assert time.monotonic() - started >= 0.3
            assert response.status_code == 503
            assert response.get_json()["error"]["message"] == BUSY
            assert response.headers["Retry-After"] == "5"
            page = client.get("/search", query_string={"q": "ясен"})
            assert page.status_code == 503 and page.headers["Retry-After"] == "5"
            assert BUSY in page.get_data(as_text=True)
        finally:
            elsewhere.finish_all()
        assert search(client, "ясен")["total"] == 1

    @postgres_only
    def test_a_server_answers_pages_while_a_search_waits_for_a_slot(app, world, tmp_path):
        """One serving worker: its only event loop keeps answering while a search waits."""
        _written(app, world, "ясен")
        server = CopServer(
            {
                "COP_INSTANCE_PATH": str(tmp_path / "instance"),
                "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "COP_SECRET_KEY": "test-secret",
                "COP_SEARCH_BACKEND": "postgres",
                "COP_WORKERS": "1",
                "COP_SEARCH_CONCURRENCY": "1",
                "COP_SEARCH_WAIT_MS": "60000",
            }
        )
        elsewhere = None
        try:
            server.wait_ready()
            query = urllib.parse.urlencode({"q": "ясен"})
            # The first search loads the cpu worker's app and dictionaries: not measured.
            assert fetch(f"{server.url}{API}?{query}")[1]["total"] == 1
            elsewhere = Elsewhere(app, [0])
            answers = []
            waiting = threading.Thread(
                target=lambda: answers.append(fetch(f"{server.url}{API}?{query}"))
            )
            waiting.start()
            time.sleep(1)  # the search has reached the server and waits there
            for _ in range(5):
                assert fetch(f"{server.url}/api/v1/me")[0] == 401  # answered meanwhile
            assert waiting.is_alive() and not answers
            elsewhere.finish()
            waiting.join(30)
            ((status, found),) = answers
            assert status == 200 and found["total"] == 1
        finally:
            if elsewhere is not None:
                elsewhere.finish_all()
            server.stop()

    @postgres_only
    def test_a_search_waiting_for_a_cpu_worker_holds_no_slot(app, client, world, monkeypatch):
        """The slot is taken in the worker once the search has one: while the only worker
        renders a long post, a waiting search leaves every slot free for searches
        elsewhere; when they still hold them at the bound, the worker refuses it."""
        _written(app, world, "ясен")
        monkeypatch.setenv("COP_INSTANCE_PATH", app.instance_path)
        monkeypatch.setenv("COP_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
        monkeypatch.setenv("COP_SEARCH_BACKEND", "postgres")
        monkeypatch.setenv("COP_SEARCH_CONCURRENCY", "2")
        app.config["COP_SEARCH_WAIT_MS"] = 5_000
        cpu.start(1, "cop.wsgi")
        with app.app_context():
            elsewhere = db.engine.connect()
        try:
            assert search(client, "ясен")["total"] == 1  # the worker has loaded the app
            long_post = _render_on_the_only_worker()
            answers = []
            waiting = threading.Thread(
                target=lambda: answers.append(client.get(API, query_string={"q": "ясен"}))
            )
            waiting.start()
            time.sleep(0.2)  # the search waits for the worker
            assert long_post.is_alive() and not answers
            for n in (0, 1):  # searches elsewhere take both slots at once
                taken = func.pg_try_advisory_xact_lock(slots.SLOTS, n)
                assert elsewhere.scalar(select(taken)) is True
            long_post.join()
            waiting.join(30)
            (response,) = answers
            assert response.status_code == 503
            assert response.get_json()["error"]["message"] == BUSY
        finally:
            elsewhere.rollback()
            elsewhere.close()
            cpu.stop()
        assert search(client, "ясен")["total"] == 1
