"""The PostgreSQL search backend: refused at start on SQLite; `cop search check|rebuild`
find and mend drift in its table; a change to a whole space reaches it; and, on
PostgreSQL, two `cop run` processes with their own instance folders (two machines) find
what was written through the other. The search suite's behaviour tests run against both
backends (`both_backends`)."""

import urllib.parse

import pytest
from sqlalchemy import delete, func, select, text

from cop import create_app
from cop.discussions import service
from cop.extensions import db
from cop.moderation.service import move_discussion
from cop.search import backend
from cop.search.pg import indexing
from cop.search.pg.searching import SPELLED_OUT
from cop.search.pg.table import documents
from tests.conftest import DATABASE_URL, QueryCounter, bearer
from tests.search.helpers import (
    PREFIXED,
    PREFIXED_MARKED,
    discussion,
    person,
    search,
    space,
)
from tests.search.test_processes import fetch, wait_until
from tests.servers import CopServer, stop_all

postgres_only = pytest.mark.parametrize("search_backend", ["postgres"], indirect=True)


def test_the_postgres_backend_is_refused_at_start_on_sqlite(tmp_path):
    with pytest.raises(RuntimeError, match="needs a PostgreSQL database"):
        create_app(
            {
                "INSTANCE_PATH": tmp_path,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cop.sqlite'}",
                "SECRET_KEY": "test-secret",
                "COP_SEARCH_BACKEND": "postgres",
            }
        )
    with pytest.raises(RuntimeError, match="COP_SEARCH_BACKEND is one of whoosh, postgres"):
        create_app(
            {
                "INSTANCE_PATH": tmp_path,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cop.sqlite'}",
                "SECRET_KEY": "test-secret",
                "COP_SEARCH_BACKEND": "elastic",
            }
        )


if DATABASE_URL:  # what follows needs the backend, hence PostgreSQL (CI's second pass)

    @postgres_only
    def test_check_reports_drift_in_the_table_and_rebuild_mends_it(app, world):
        runner = app.test_cli_runner()
        with app.app_context():
            member = person(world, "member")
            for n in range(3):
                service.start_discussion(
                    member, space(world, "forum_public"), title=f"Тема {n}", body="вільха"
                )
            assert runner.invoke(args=["search", "check"]).exit_code == 0
            # Something outside cop changes the table: a document goes missing.
            db.session.execute(delete(documents).where(documents.c.id == "post:1"))
            db.session.commit()
        result = runner.invoke(args=["search", "check"])
        assert result.exit_code == 1
        assert "missing: 1 (post:1)" in result.output
        result = runner.invoke(args=["search", "rebuild"])
        assert result.exit_code == 0 and "Indexed 3 documents." in result.output
        assert runner.invoke(args=["search", "check"]).exit_code == 0

    @postgres_only
    def test_a_moved_space_sized_change_reaches_the_table_through_the_worker(app, client, world, h):
        """A search catches up with a person's own small changes; a change covering more
        documents than a request indexes (here a move of a 120-post discussion) is the
        background drain's, and then found with the new permissions."""
        with app.app_context():
            member, admin = person(world, "member"), person(world, "admin")
            d = service.start_discussion(
                member, space(world, "forum_members"), title="Тема", body="осика"
            )
            for n in range(120):
                service.reply(member, discussion(d.id), body=f"осика {n}")
            assert search(client, "осика")["total"] == 0  # guests may not read it there
            move_discussion(admin, discussion(d.id), space(world, "forum_public"))
            backend.drain()
            assert db.session.scalar(select(func.count()).select_from(documents)) == 121
        found = search(client, "осика")
        assert found["total"] == 1 and found["items"][0]["matching_posts"] == 121

    @postgres_only
    def test_a_drain_that_holds_the_lock_never_fails_a_write_nor_holds_a_search(app, client, world):
        """Another machine's long drain holds the lock: a write commits, a search waits
        at most REQUEST_WAIT_MS, answers without the new post, and finds it afterwards."""
        with app.app_context(), db.engine.connect() as other:
            other.execute(select(func.pg_advisory_lock(indexing.LOCK)))
            try:
                d = service.start_discussion(
                    person(world, "member"), space(world, "forum_public"), title="Т", body="береза"
                )
                assert d.id
                assert search(client, "береза")["total"] == 0  # not indexed yet, not lost
            finally:
                other.execute(select(func.pg_advisory_unlock(indexing.LOCK)))
                other.commit()
        assert search(client, "береза")["total"] == 1

    @postgres_only
    def test_written_words_go_straight_into_the_word_index(app, client, world):
        """No GIN pending list (migration 0036): a search never reads through words
        waiting there, and no write pays for merging them all."""
        with app.app_context():
            for n in range(5):
                service.start_discussion(
                    person(world, "member"),
                    space(world, "forum_public"),
                    title=f"Т {n}",
                    body="осика",
                )
        assert search(client, "осика")["total"] == 5
        with app.app_context():
            waiting = text("SELECT gin_clean_pending_list(CAST(:index AS regclass))")
            assert db.session.scalar(waiting, {"index": "ix_search_document_vector"}) == 0

    @postgres_only
    def test_two_machines_on_one_database_find_what_the_other_wrote(app, world, tmp_path):
        headers = bearer(app, world.users["member"])
        forum = world.spaces["forum_public"]
        env = {
            "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "COP_SECRET_KEY": "test-secret",
            "COP_SEARCH_BACKEND": "postgres",
            "COP_WORKERS": "1",
            "COP_SEARCH_LIMIT": "1000 per 10 seconds",
        }
        servers = []
        for name in ("one", "two"):
            servers.append(CopServer({**env, "COP_INSTANCE_PATH": str(tmp_path / name)}))
        try:
            for server in servers:
                server.wait_ready()
            one, two = (f"{server.url}/api/v1" for server in servers)
            status, _ = fetch(
                f"{one}/spaces/{forum}/discussions",
                {"title": "Тема", "body": "Пишемо про ялівець"},
                headers,
            )
            assert status == 201
            query = urllib.parse.urlencode({"q": "ялівець"})
            # Found at once: the search catches up with the shared outbox first.
            assert fetch(f"{two}/search?{query}")[1]["total"] == 1
            status, _ = fetch(
                f"{two}/spaces/{forum}/discussions",
                {"title": "Друга", "body": "І ще про ялівець"},
                headers,
            )
            assert status == 201
            assert wait_until(lambda: fetch(f"{one}/search?{query}")[1]["total"] == 2)
            assert not (tmp_path / "one" / "search").exists()  # no index folder needed
        finally:
            stop_all(servers)

    @postgres_only
    def test_a_search_takes_as_many_statements_for_many_results_as_for_one(app, client, world):
        """The matches are read and ranked once for the total, the facets and the page:
        the statements do not grow with the results, their posts or the query's words.
        A prefix's words are looked up first, in one statement more."""
        with app.app_context():
            member = person(world, "member")
            d = service.start_discussion(
                member, space(world, "forum_public"), title="Т", body="тополя"
            )
            for n in range(12):
                service.start_discussion(
                    member, space(world, "forum_public"), title=f"Т {n}", body="верба"
                )
                service.reply(member, discussion(d.id), body=f"тополя {n}")
            engine = db.engine
        search(client, "тополя")  # catches up with the writes
        counted = {}
        for q in ("тополя", "верба", "тополя OR верба", "тополя -верба", "вер*"):
            with QueryCounter(engine) as queries:
                found = search(client, q)
            counted[q] = len(queries)
        assert found["total"] == 12
        prefixed = counted.pop("вер*")
        assert len(set(counted.values())) == 1, counted
        assert prefixed == counted["верба"] + 1

    @postgres_only
    def test_a_prefix_standing_for_many_words_finds_and_marks_them_all(app, client, world):
        """Past SPELLED_OUT words a prefix is a partial match of the index: the same
        documents, each word it matched marked (the Whoosh backend takes a prefix's first
        50 words only)."""
        crowd = " ".join("налаштаб" + a + b for a in "бвгдежз" for b in "бвгдежзклм")
        with app.app_context():
            forum = space(world, "forum_public")
            member = person(world, "member")
            service.start_discussion(member, forum, title="Мережа", body=PREFIXED)
            service.start_discussion(member, forum, title="Інше", body=crowd)
        assert len({word for word in crowd.split()}) > SPELLED_OUT
        found = search(client, "налашт* мережа")
        assert found["total"] == 1
        assert found["items"][0]["snippet"] == PREFIXED_MARKED
        assert search(client, "налашт*")["total"] == 2
