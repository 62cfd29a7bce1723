"""The index follows the database: every write notes its documents in the outbox in its
own transaction, the indexer catches up, and `cop search check/rebuild` find and mend
drift."""

import pytest
from sqlalchemy import func, select
from whoosh.fields import ID, TEXT, Schema
from whoosh.index import create_in, open_dir

from cop.consultations import service as consultations
from cop.consultations.models import Consultation
from cop.discussions import service
from cop.errors import AppError
from cop.extensions import db
from cop.moderation.service import move_discussion
from cop.search import index, indexer
from cop.search.models import SearchOutbox
from tests.conftest import both_backends
from tests.search.helpers import discussion, person, post, search, space


def outbox_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchOutbox))


def test_a_write_and_its_outbox_row_commit_together(app, world):
    with app.test_request_context():
        member = person(world, "member")
        before = outbox_rows()
        with pytest.raises(AppError):
            service.start_discussion(member, space(world, "forum_public"), title="", body="x")
        db.session.rollback()
        assert outbox_rows() == before
        service.start_discussion(member, space(world, "forum_public"), title="Тема", body="Текст")
        assert outbox_rows() > before


@both_backends
def test_edits_moves_renames_and_status_changes_reach_the_index(app, client, world, h):
    with app.app_context():
        member, admin = person(world, "member"), person(world, "admin")
        d = service.start_discussion(
            member, space(world, "forum_signed"), title="Перша назва", body="Старе слово: липа"
        )
        d_id, first_id = d.id, service.first_post(d).id
        assert search(client, "липа", h["member"])["total"] == 1
        service.edit_post(member, post(first_id), body="Нове слово: дуб")
        assert search(client, "липа", h["member"])["total"] == 0
        assert search(client, "дуб", h["member"])["total"] == 1
        move_discussion(admin, discussion(d_id), space(world, "forum_public"))
        assert search(client, "дуб")["total"] == 1  # now public: guests find it
        c = consultations.open_consultation(member, title="Питання", body="Про ясен")
        c_id = c.id
        assert search(client, "ясен status:new", h["member"])["total"] == 1
        consultations.transition(
            person(world, "expert"), db.session.get(Consultation, c_id), "assigned"
        )
    assert search(client, "ясен status:new", h["member"])["total"] == 0
    assert search(client, "ясен status:assigned", h["member"])["total"] == 1


def test_edits_in_any_segment_replace_the_right_document(app, client, world, h):
    """Searches number the index's segments largest first, the index's writer as they
    were committed: with a large segment committed after small ones, editing every post
    leaves each found once, by its new word only, and no drift."""
    app.config.update(COP_SEARCH_LIMIT="1000 per minute", COP_POST_LIMIT="1000 per minute")
    with app.app_context():
        member = person(world, "member")
        d = service.start_discussion(
            member, space(world, "forum_signed"), title="Гілка", body="Слово0а"
        )
        ids = [service.first_post(d).id]
        for n in range(1, 15):
            ids.append(service.reply(member, discussion(d.id), body=f"Слово{n}а").id)
            if n < 3:  # one segment each; the next 12 replies make one segment
                assert search(client, f"Слово{n}а", h["member"])["total"] == 1
        assert search(client, "Слово14а", h["member"])["total"] == 1
        sizes = [s.doc_count_all() for s in index.get_index()._read_toc().segments]
        assert sizes != sorted(sizes, reverse=True)
        for n in [*range(0, 15, 2), *range(13, 0, -2)]:
            service.edit_post(member, post(ids[n]), body=f"Слово{n}б")
            assert search(client, f"Слово{n}б", h["member"])["total"] == 1
        for n in range(15):
            assert search(client, f"Слово{n}а", h["member"])["total"] == 0
            assert search(client, f"Слово{n}б", h["member"])["total"] == 1
        assert not indexer.check()


def test_an_index_that_is_busy_never_fails_a_write(app, client, world, h):
    with app.app_context():
        held = index.get_index().writer()  # another process is indexing, and stays at it
        try:
            d = service.start_discussion(
                person(world, "member"), space(world, "forum_public"), title="Т", body="береза"
            )
            assert d.id
            assert search(client, "береза")["total"] == 0  # not indexed yet, not lost
        finally:
            held.cancel()
    assert search(client, "береза")["total"] == 1


def test_check_reports_drift_and_rebuild_mends_it(app, world):
    runner = app.test_cli_runner()
    with app.app_context():
        member = person(world, "member")
        for n in range(3):
            service.start_discussion(
                member, space(world, "forum_public"), title=f"Тема {n}", body="вільха"
            )
        assert runner.invoke(args=["search", "check"]).exit_code == 0
        # Something outside cop changes the index: a document goes missing.
        writer = open_dir(str(index.state().path), indexname=index.NAME).writer()
        writer.delete_by_term("id", "post:1")
        writer.commit()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert "missing: 1 (post:1)" in result.output
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0 and "Indexed 3 documents." in result.output
    assert runner.invoke(args=["search", "check"]).exit_code == 0


def test_rebuild_leaves_newer_changes_to_the_outbox(app, world):
    with app.app_context():
        service.start_discussion(
            person(world, "member"), space(world, "forum_public"), title="Т", body="граб"
        )
        assert indexer.rebuild() == 1
        assert outbox_rows() == 0
        assert not indexer.check()


def test_an_older_versions_index_is_not_searched_until_rebuilt(app, client, world):
    """An upgrade finds the index an older cop built (Whoosh's default name, its analysis
    and fields): searches say so with a 503 instead of answering from it, `check` fails,
    and `rebuild` replaces it."""
    runner = app.test_cli_runner()
    with app.app_context():
        service.start_discussion(
            person(world, "member"), space(world, "forum_public"), title="Тема", body="вільха"
        )
        folder = index.state().path
        folder.mkdir(parents=True)
        old = create_in(str(folder), Schema(id=ID(stored=True, unique=True), text=TEXT))
        writer = old.writer()
        writer.add_document(id="post:1", text="вільха")
        writer.commit()
    response = client.get("/api/v1/search", query_string={"q": "вільха"})
    assert response.status_code == 503
    assert "нової версії" in response.get_json()["error"]["message"]
    assert client.get("/search", query_string={"q": "вільха"}).status_code == 503
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and "cop search rebuild" in result.output
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert search(client, "вільха")["total"] == 1
    assert all(f.name.startswith((f"_{index.NAME}_", f"{index.NAME}_")) for f in folder.iterdir())
