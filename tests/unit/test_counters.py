"""Stored counts and pointers follow every write that changes what they summarise, and
`cop db check` finds them when they are wrong anyway; `--repair` sets them right."""

from sqlalchemy import text

from cop.accounts.models import User
from cop.discussions import service
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.live import service as live
from cop.live.models import LiveQuestion, LiveSession
from cop.moderation.service import hide_post, restore_post
from cop.spaces.models import Space


def _person(world, name: str) -> User:
    return db.session.get(User, world.users[name].id)


def _thread(world) -> tuple[int, list[int]]:
    """A discussion by the member with two replies, then a private one by the expert."""
    space = db.session.get(Space, world.spaces["forum_signed"])
    discussion = service.start_discussion(
        _person(world, "member"), space, title="Бюджет", body="Питання"
    )
    d = discussion.id
    replies = [
        service.reply(_person(world, name), db.session.get(Discussion, d), body=f"Від {name}").id
        for name in ("outsider", "trainee")
    ]
    service.reply(
        _person(world, "expert"), db.session.get(Discussion, d), body="Лише вам", private=True
    )
    return d, replies


def _counts(d: int) -> tuple[int, int | None]:
    db.session.expire_all()
    discussion = db.session.get(Discussion, d)
    return discussion.reply_count, discussion.last_post_id


def test_counts_follow_replies_deletes_hides_and_restores(ctx, world):
    d, (first, second) = _thread(world)
    opening = service.first_post(db.session.get(Discussion, d)).id
    assert _counts(d) == (2, second)  # the private reply is not counted for everyone
    hide_post(_person(world, "moderator"), db.session.get(Post, second))
    assert _counts(d) == (1, first)
    restore_post(_person(world, "moderator"), db.session.get(Post, second))
    assert _counts(d) == (2, second)
    service.delete_post(_person(world, "moderator"), db.session.get(Post, second))
    service.delete_post(_person(world, "moderator"), db.session.get(Post, first))
    assert _counts(d) == (0, opening)
    assert db.session.get(Discussion, d).last_post_at == db.session.get(Post, opening).created_at


def test_useful_counts_once_per_person_whatever_the_repeats(ctx, world):
    d, (first, _second) = _thread(world)
    for name, useful in (("member", True), ("member", True), ("expert", True), ("member", False)):
        service.set_useful(_person(world, name), db.session.get(Post, first), useful)
    service.set_useful(_person(world, "member"), db.session.get(Post, first), False)
    db.session.expire_all()
    assert db.session.get(Post, first).useful_count == 1


def _corrupt(world, live_session: int) -> tuple[int, int, int]:
    """Every kind of stored counter set wrong behind the services' back."""
    d, (first, _second) = _thread(world)
    service.set_useful(_person(world, "member"), db.session.get(Post, first), True)
    session = db.session.get(LiveSession, live_session)
    question = live.ask(_person(world, "member"), session, "Коли?")
    live.vote(_person(world, "outsider"), question)
    q = question.id
    for statement in (
        "UPDATE discussion SET reply_count = 7, last_post_id = NULL WHERE id = :d",
        "UPDATE post SET useful_count = 0 WHERE id = :first",
        "UPDATE live_question SET vote_count = 5 WHERE id = :q",
    ):
        db.session.execute(text(statement), {"d": d, "first": first, "q": q})
    db.session.commit()
    return d, first, q


def test_db_check_reports_drift_and_repair_sets_it_right(app, world, live):
    with app.app_context():
        d, first, q = _corrupt(world, live)
    runner = app.test_cli_runner()
    found = runner.invoke(args=["db", "check"])
    assert found.exit_code == 1
    assert f"discussion.reply_count of {d}: stored 7, actual 2" in found.output
    assert f"discussion.last_post_id of {d}: stored None" in found.output
    assert f"post.useful_count of {first}: stored 0, actual 1" in found.output
    assert f"live_question.vote_count of {q}: stored 5, actual 1" in found.output
    assert "discussion.last_post_at" not in found.output  # what was right stays unnamed
    repaired = runner.invoke(args=["db", "check", "--repair"])
    assert repaired.exit_code == 0 and "Repaired 4 values." in repaired.output
    with app.app_context():
        assert _counts(d)[0] == 2 and _counts(d)[1] is not None
        assert db.session.get(Post, first).useful_count == 1
        assert db.session.get(LiveQuestion, q).vote_count == 1
    clean = runner.invoke(args=["db", "check"])
    assert clean.exit_code == 0 and "Every stored counter is right." in clean.output
