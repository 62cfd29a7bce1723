"""Searches on a read replica (COP_DATABASE_REPLICA_URL), against a real hot standby of
the test database's cluster: the replica's lag shows to others, never to the writer;
a stopped standby or one lagging past the bound leaves searches to the primary. Refused
at start on SQLite."""

import logging
import time
import urllib.parse

import pytest
from sqlalchemy import select

from cop import create_app
from cop.discussions import service
from cop.extensions import db
from cop.search.pg.table import recent_writes
from tests.conftest import DATABASE_URL, both_backends
from tests.search.helpers import finds, person, space
from tests.search.test_processes import fetch
from tests.servers import CopServer, Standby


def test_a_replica_is_refused_at_start_on_sqlite(tmp_path):
    with pytest.raises(RuntimeError, match="SQLite has no replicas"):
        create_app(
            {
                "INSTANCE_PATH": tmp_path,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cop.sqlite'}",
                "SECRET_KEY": "test-secret",
                "COP_DATABASE_REPLICA_URL": "postgresql+psycopg://cop:cop@127.0.0.1/cop",
            }
        )


@pytest.fixture(scope="module")
def standby():
    """One standby for the module's tests (each test's database is the same one, emptied)."""
    replica = Standby(DATABASE_URL)
    yield replica
    replica.remove()


@pytest.fixture
def app_config(standby):
    # A bound no test reaches but the one that lowers it.
    return {"COP_DATABASE_REPLICA_URL": standby.url, "COP_DATABASE_REPLICA_MAX_LAG": 3600}


@pytest.fixture
def replayed(app, world, standby):
    """The world, a discussion in the public forum and a post in the members' forum,
    replayed by the standby; replay running again however the test ends."""
    with app.app_context():
        member = person(world, "member")
        public = service.start_discussion(
            member, space(world, "forum_public"), title="Громада", body="вступ"
        )
        service.start_discussion(
            member, space(world, "forum_members"), title="Для своїх", body="верболіз"
        )
        public_id = public.id
        standby.catch_up(db.engine)
    yield public_id
    standby.resume()


def _reply(client, h, name: str, discussion_id: int, body: str) -> None:
    response = client.post(
        f"/api/v1/discussions/{discussion_id}/posts", json={"body": body}, headers=h[name]
    )
    assert response.status_code == 201, response.get_json()


def _total(client, h, name: str, q: str) -> int:
    """The hits of the person's search, its facets checked against its total."""
    return finds(client, q, h[name])


@pytest.mark.postgresql
@both_backends
def test_the_writer_finds_a_reply_at_once_others_once_the_replica_has_it(
    app, client, h, world, login_as, standby, replayed, search_backend
):
    standby.pause()
    _reply(client, h, "expert", replayed, "шелюга над річкою")
    # Others search the paused replica: the PostgreSQL backend's documents are in the
    # database and lag with it; the Whoosh index is this machine's, filled from the
    # primary's outbox, so there only permission facts lag.
    lagging = search_backend == "postgres"
    assert _total(client, h, "outsider", "шелюга") == (0 if lagging else 1)
    page = login_as(world.users["outsider"]).get("/search", query_string={"q": "шелюга"})
    assert page.status_code == 200
    assert ("<mark>шелюга</mark>" in page.get_data(as_text=True)) is not lagging
    assert _total(client, h, "expert", "шелюга") == 1  # the writer searches the primary
    standby.resume()
    with app.app_context():
        standby.catch_up(db.engine)
    assert _total(client, h, "outsider", "шелюга") == 1


@pytest.mark.postgresql
@both_backends
def test_a_new_member_reads_the_forum_in_search_once_the_replica_has_the_membership(
    app, client, h, world, standby, replayed
):
    assert _total(client, h, "outsider", "верболіз") == 0
    standby.pause()
    added = client.put(
        f"/api/v1/spaces/{world.spaces['forum_members']}/members/{world.users['outsider'].id}",
        json={"role": "member"},
        headers=h["admin"],
    )
    assert added.status_code == 200, added.get_json()
    assert _total(client, h, "outsider", "верболіз") == 0  # the replica's lag
    standby.resume()
    with app.app_context():
        standby.catch_up(db.engine)
    assert _total(client, h, "outsider", "верболіз") == 1


@pytest.mark.postgresql
@both_backends
def test_a_replica_lagging_past_the_bound_is_left_for_the_primary(
    app, client, h, world, standby, replayed, caplog
):
    app.config["COP_DATABASE_REPLICA_MAX_LAG"] = 1  # read at every check (once a second)
    standby.pause()
    added = client.put(
        f"/api/v1/spaces/{world.spaces['forum_members']}/members/{world.users['outsider'].id}",
        json={"role": "member"},
        headers=h["admin"],
    )
    assert added.status_code == 200, added.get_json()
    time.sleep(2.5)  # past the bound, and past the last check's answer
    with caplog.at_level(logging.WARNING, logger="cop.search.replica"):
        assert _total(client, h, "outsider", "верболіз") == 1
    assert any("lags" in record.getMessage() for record in caplog.records)


@pytest.mark.postgresql
@both_backends
def test_a_stopped_standby_leaves_searches_to_the_primary_with_one_log_line(
    app, client, h, standby, replayed, caplog
):
    standby.stop()
    try:
        _reply(client, h, "expert", replayed, "лепеха в затоні")
        with caplog.at_level(logging.WARNING, logger="cop.search.replica"):
            for _ in range(3):
                assert _total(client, h, "outsider", "лепеха") == 1
        failed = [r for r in caplog.records if "search replica failed" in r.getMessage()]
        assert len(failed) == 1, [r.getMessage() for r in caplog.records]
    finally:
        standby.start()


@pytest.mark.postgresql
@pytest.mark.parametrize("search_backend", ["postgres"], indirect=True)
def test_under_cop_run_searches_in_its_worker_processes_read_the_replica(
    app, h, standby, replayed, tmp_path
):
    """The served path: `cop run` searches in cop.cpu worker processes, which get the
    choice made in the request's process."""
    server = CopServer(
        {
            "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "COP_DATABASE_REPLICA_URL": standby.url,
            "COP_DATABASE_REPLICA_MAX_LAG": "3600",
            "COP_SECRET_KEY": "test-secret",
            "COP_SEARCH_BACKEND": "postgres",
            "COP_WORKERS": "1",
            "COP_INSTANCE_PATH": str(tmp_path / "served"),
        }
    )
    try:
        server.wait_ready()
        api = f"{server.url}/api/v1"
        query = urllib.parse.urlencode({"q": "рогіз"})
        standby.pause()
        status, _ = fetch(f"{api}/discussions/{replayed}/posts", {"body": "рогіз"}, h["expert"])
        assert status == 201
        assert fetch(f"{api}/search?{query}", headers=h["outsider"])[1]["total"] == 0
        assert fetch(f"{api}/search?{query}", headers=h["expert"])[1]["total"] == 1
        standby.resume()
        with app.app_context():
            standby.catch_up(db.engine)
        assert fetch(f"{api}/search?{query}", headers=h["outsider"])[1]["total"] == 1
    finally:
        server.stop()


@pytest.mark.postgresql
def test_erasing_a_person_removes_the_time_of_their_last_write(app, client, h, world, replayed):
    _reply(client, h, "expert", replayed, "верес")
    expert_id = world.users["expert"].id
    with app.app_context():
        written = select(recent_writes.c.user_id).where(recent_writes.c.user_id == expert_id)
        assert db.session.scalar(written) == expert_id
    assert client.delete(f"/api/v1/users/{expert_id}", headers=h["admin"]).status_code == 204
    with app.app_context():
        assert db.session.scalar(written) is None
