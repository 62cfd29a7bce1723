"""Live events go out only once their write stands, and only after the session has given
its database connection back (cop/realtime.py)."""

import pytest
from sqlalchemy import text

from cop import realtime
from cop.extensions import db


@pytest.fixture
def sent(app, monkeypatch):
    """What is published, with whether a transaction was still open at that moment."""
    out = []

    def record(event, data, to):
        out.append((event, data, to, db.session().in_transaction()))

    monkeypatch.setattr(realtime, "publish", record)
    with app.app_context():
        yield out


def test_published_after_the_commit_with_the_connection_given_back(sent):
    db.session.execute(text("UPDATE page_generation SET value = value + 1"))
    realtime.publish_after_commit("question", {"id": 1}, "room")
    assert sent == []  # not before the commit
    db.session.commit()
    assert sent == [("question", {"id": 1}, "room", False)]


def test_nothing_goes_out_when_the_write_is_rolled_back(sent):
    realtime.publish_after_commit("question", {"id": 1}, "room")
    db.session.rollback()
    db.session.commit()  # a later commit does not send what was rolled back
    assert sent == []


def test_nothing_goes_out_when_the_session_ends_without_a_commit(sent):
    db.session.execute(text("SELECT 1"))
    realtime.publish_after_commit("question", {"id": 1}, "room")
    db.session.close()
    db.session.commit()
    assert sent == []


def test_a_savepoint_does_not_send_before_the_outer_commit(sent):
    db.session.execute(text("SELECT 1"))
    with db.session.begin_nested():
        realtime.publish_after_commit("question", {"id": 1}, "room")
    assert sent == []
    db.session.rollback()
    assert sent == []


def test_messages_keep_their_order(sent):
    for n in range(3):
        realtime.publish_after_commit("question", {"id": n}, "room")
    db.session.commit()
    assert [data["id"] for _event, data, _to, _open in sent] == [0, 1, 2]
