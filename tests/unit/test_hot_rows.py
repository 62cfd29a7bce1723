"""PostgreSQL: a write at its commit holds none of the rows every writer updates (the write
counters, a discussion's reply counters, a live session's change number). Under gevent a
transaction waits for the event loop between statements, so each of those rows held before
the COMMIT's trip made every other writer of it queue (docs/benchmarks.md, "Head-of-line,
session 12"). Here another connection updates them, with a short lock timeout, at the very
moment the write commits (its before_commit): it must not wait, and both writes stand."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, text

from cop.accounts.models import User
from cop.discussions import service as discussions
from cop.discussions.models import Discussion
from cop.extensions import db
from cop.live import service as live_service
from cop.live.models import LiveQuestion, LiveSession
from cop.spaces.models import Space

pytestmark = pytest.mark.postgresql

COUNTERS = ("page_generation", "search_scope_generation")


def _counters() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(text(f"SELECT value FROM {table} WHERE id = 1")) for table in COUNTERS
    )


@contextmanager
def at_commit(statements: list[tuple[str, dict]], returned: list):
    """Run `statements` on a connection of their own when the session next starts to
    commit, each allowed to wait 2 s for a lock (a lock held until the COMMIT would wait
    forever: the COMMIT waits for this)."""

    def other_writer(_session) -> None:
        if returned:
            return
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
            other.execute(text("SET lock_timeout = '2s'"))
            for sql, params in statements:
                returned.append(other.execute(text(sql), params).scalar())

    event.listen(db.session, "before_commit", other_writer)
    try:
        yield
    finally:
        event.remove(db.session, "before_commit", other_writer)


def test_a_reply_at_its_commit_holds_neither_its_discussion_nor_the_counters(app, world):
    with app.app_context():
        member = db.session.get(User, world.users["member"].id)
        space = db.session.get(Space, world.spaces["forum_signed"])
        discussion_id = discussions.start_discussion(member, space, title="Бюджет", body="Так").id
        before = _counters()
        returned: list = []
        bump = [
            (f"UPDATE {table} SET value = value + 1 WHERE id = 1 RETURNING value", {})
            for table in COUNTERS
        ]
        touch = "UPDATE discussion SET title = title WHERE id = :id RETURNING reply_count"
        # the member's own counter (cop/person_cache.py): the reply moves their read mark
        mine = "UPDATE person_generation SET value = value WHERE user_id = :id RETURNING value"
        discussion = db.session.get(Discussion, discussion_id)
        statements = [(touch, {"id": discussion_id}), (mine, {"id": member.id}), *bump]
        with at_commit(statements, returned):
            post = discussions.reply(member, discussion, body="Підтримую")

        assert returned[0] == 0  # the other writer got the row before the reply's count
        assert returned[1] is not None  # the member's counter row exists, and was free
        db.session.expire_all()
        discussion = db.session.get(Discussion, discussion_id)
        assert (discussion.reply_count, discussion.last_post_id) == (1, post.id)
        # each counter moved by the other writer's bump and by the reply's
        assert _counters() == (before[0] + 2, before[1] + 1)


def test_a_question_at_its_commit_holds_no_session_row_and_is_numbered_after(app, world, live):
    with app.app_context():
        member = db.session.get(User, world.users["member"].id)
        returned: list = []
        other = "UPDATE live_session SET seq = seq + 1 WHERE id = :id RETURNING seq"
        session = db.session.get(LiveSession, live)
        with at_commit([(other, {"id": live})], returned):
            question = live_service.ask(member, session, "Коли звіт?")

        # the other change committed first, so it has the number before the question's
        assert question.seq == returned[0] + 1
        db.session.expire_all()
        stored = db.session.scalar(select(LiveQuestion.seq).where(LiveQuestion.id == question.id))
        assert stored == question.seq == db.session.get(LiveSession, live).seq


def test_a_vote_at_its_commit_holds_no_question_row(app, world, live):
    with app.app_context():
        member = db.session.get(User, world.users["member"].id)
        trainee = db.session.get(User, world.users["trainee"].id)
        session = db.session.get(LiveSession, live)
        question_id = live_service.ask(member, session, "Коли звіт?").id
        returned: list = []
        touch = "UPDATE live_question SET text = text WHERE id = :id RETURNING vote_count"
        with at_commit([(touch, {"id": question_id})], returned):
            assert live_service.vote(trainee, db.session.get(LiveQuestion, question_id))

        assert returned == [0]
        db.session.expire_all()
        assert db.session.get(LiveQuestion, question_id).vote_count == 1
