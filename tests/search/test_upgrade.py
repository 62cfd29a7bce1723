"""An index (Whoosh) or table (PostgreSQL) built by an older version of the analysis is
rebuilt by the background worker beside the old one, in committed batches: meanwhile
searches answer a 503 that says how far it got, writes wait in the outbox, and once it
is switched in, everything is found, the writes made meanwhile included. A worker
killed mid-way resumes where its last batch committed."""

import os
import signal
import subprocess
import time

from sqlalchemy import update
from whoosh.fields import ID, TEXT, Schema
from whoosh.index import create_in

from cop.discussions import service
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.search import backend, index, indexer
from cop.search.pg import indexing as pg_indexing
from cop.search.pg.table import state
from tests.conftest import both_backends
from tests.search.helpers import API, person, space
from tests.search.test_processes import cop, environment

pytestmark = both_backends

POSTS = 1200  # three batches of at most indexer.DOCUMENTS


def _posts(app, world, n: int) -> None:
    with app.app_context():
        d = Discussion(space_id=world.spaces["forum_public"], author_id=1, title="Ясени")
        db.session.add(d)
        db.session.flush()
        db.session.add_all(
            Post(discussion_id=d.id, author_id=1, body=f"ясен {m}", body_html="") for m in range(n)
        )
        db.session.commit()


def _outdate(app) -> None:
    """What an upgrade finds: the index built by version 3 of the analysis."""
    with app.app_context():
        if app.config["COP_SEARCH_BACKEND"] == "postgres":
            pg_indexing.rebuild()
            db.session.execute(update(state).values(version=3))
            db.session.commit()
            return
        folder = index.state().path
        folder.mkdir(parents=True)
        old = create_in(str(folder), Schema(id=ID(stored=True, unique=True), text=TEXT), "cop3")
        writer = old.writer()
        writer.add_document(id="post:1", text="ясен")
        writer.commit()


def _unavailable(client, q: str) -> dict:
    response = client.get(API, query_string={"q": q})
    assert response.status_code == 503, response.get_json()
    assert response.headers["Retry-After"].isdigit()
    return response.get_json()["error"]


def test_an_outdated_index_is_rebuilt_by_the_worker_and_loses_no_write(app, client, world):
    _posts(app, world, POSTS)
    _outdate(app)
    error = _unavailable(client, "ясен")
    assert "нової версії" in error["message"] and "progress" not in error
    page = client.get("/search", query_string={"q": "ясен"})
    assert page.status_code == 503 and "нової версії" in page.get_data(as_text=True)
    check = app.test_cli_runner().invoke(args=["search", "check"])
    assert check.exit_code == 1 and "background" in check.output
    with app.app_context():
        for _ in range(2):  # what `cop worker` does every COP_SEARCH_INTERVAL_MS
            backend.index_pass()
        member = person(world, "member")
        written = service.start_discussion(
            member, space(world, "forum_public"), title="Вільха", body="вільха біля ставу"
        )
        written_id = written.id
    error = _unavailable(client, "вільха")
    done, total = error["progress"]["done"], error["progress"]["total"]
    assert 0 < done < total and total >= POSTS
    assert f"{done} з {total}" in error["message"]
    client.post("/locale/en", data={"next": "/"})
    page = client.get("/search", query_string={"q": "ясен"})
    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    assert f"{done} of {total} documents are ready" in page.get_data(as_text=True)
    check = app.test_cli_runner().invoke(args=["search", "check"])
    assert check.exit_code == 1 and f"{done} of {total}" in check.output
    with app.app_context():
        passes = 0
        while backend.current().outdated():
            backend.index_pass()
            passes += 1
            assert passes < 10
        backend.index_pass()  # the next pass drains what was written meanwhile
    found = client.get(API, query_string={"q": "вільха"}).get_json()
    assert [item["discussion_id"] for item in found["items"]] == [written_id]
    assert client.get(API, query_string={"q": "ясен"}).get_json()["total"] == 1
    assert app.test_cli_runner().invoke(args=["search", "check"]).exit_code == 0
    if app.config["COP_SEARCH_BACKEND"] == "whoosh":  # the old files and the folder gone
        with app.app_context():
            left = os.listdir(index.state().path)
        assert all(name.startswith((f"_{index.NAME}_", f"{index.NAME}_")) for name in left)


def test_a_worker_killed_mid_rebuild_resumes_and_leaves_no_drift(app, world):
    _posts(app, world, 2 * POSTS)
    _outdate(app)
    env = {**environment(app), "COP_SEARCH_BACKEND": app.config["COP_SEARCH_BACKEND"]}

    def progress():
        with app.app_context():
            return backend.current().progress()

    def started():
        return subprocess.Popen(cop("worker"), env=env, stdout=subprocess.DEVNULL)

    worker = started()
    try:
        deadline = time.monotonic() + 120
        while not (progress() and progress()[0] >= indexer.DOCUMENTS):
            assert worker.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(15)
        killed_at = progress()
        assert killed_at[0] < killed_at[1], "killed too late: the rebuild was done"
        worker = started()
        with app.app_context():
            while backend.current().outdated():
                assert worker.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        worker.terminate()
        worker.wait(15)
    with app.app_context():
        assert not backend.current().check()
        assert indexer.count_documents() == 2 * POSTS
        if app.config["COP_SEARCH_BACKEND"] == "whoosh":
            assert index.searcher().doc_count() == 2 * POSTS  # none added twice
