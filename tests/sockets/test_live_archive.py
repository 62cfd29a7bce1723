"""Ending a live session writes its archive: every approved question once, in the
session's order, with its answer, and what a reply brings with it (counts, search,
notifications), in as many statements for 30 questions as for 3."""

from sqlalchemy import select

from cop import counters
from cop.accounts.models import User
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.live import service
from cop.live.models import LiveQuestion, LiveSession
from cop.notifications import service as notifications
from cop.notifications.models import Notification, NotificationKind
from cop.spaces.models import Space
from tests.conftest import QueryCounter
from tests.search.helpers import finds


def _person(world, name: str) -> User:
    return db.session.get(User, world.users[name].id)


def _live_session(app, world, session_factory, texts: list[str]) -> tuple[int, list[int]]:
    """A live session in the signed-in forum with these questions from the member."""
    app.config["COP_LIVE_ASK_LIMIT"] = "1000 per minute"
    session_id = session_factory()
    with app.app_context():
        host, member = _person(world, "expert"), _person(world, "member")
        session = service.start_session(host, db.session.get(LiveSession, session_id))
        ids = [service.ask(member, session, text).id for text in texts]
    return session_id, ids


def _end(app, world, session_id: int) -> int:
    with app.app_context():
        host = _person(world, "expert")
        return service.end_session(host, db.session.get(LiveSession, session_id)).archive_id


def _kinds(user_id: int, archive_id: int) -> dict[int, str]:
    rows = db.session.execute(
        select(Notification.post_id, Notification.kind).where(
            Notification.user_id == user_id, Notification.discussion_id == archive_id
        )
    )
    return {post_id: kind for post_id, kind in rows}


def test_the_archive_has_every_approved_question_once_in_order_with_what_a_reply_brings(
    app, world, session_factory, login_as
):
    with app.app_context():  # one follows the forum, one follows it but hears of no replies
        forum = db.session.get(Space, world.spaces["forum_signed"])
        notifications.subscribe_forum(_person(world, "outsider"), forum, True)
        notifications.subscribe_forum(_person(world, "trainee"), forum, True)
        notifications.turn_off(_person(world, "trainee"), NotificationKind.REPLY)
    outsider = world.users["outsider"].username
    texts = ["Коли звіт?", "Де протокол?", f"@{outsider}, що скажете?", "Смітник", "Хто платить?"]
    session_id, ids = _live_session(app, world, session_factory, texts)
    with app.app_context():
        host, voter = _person(world, "expert"), _person(world, "trainee")
        service.vote(voter, db.session.get(LiveQuestion, ids[4]))  # goes first
        service.answer(host, db.session.get(LiveQuestion, ids[0]), "До кінця місяця.")
        service.answer(host, db.session.get(LiveQuestion, ids[1]), f"Спитайте @{outsider}.")
        service.moderate(host, db.session.get(LiveQuestion, ids[3]), "hide")
    archive_id = _end(app, world, session_id)

    reader = login_as(world.users["outsider"])
    posts = reader.get(f"/api/v1/discussions/{archive_id}/posts?per_page=50").get_json()["items"]
    bodies = [p["body"] for p in posts]
    assert "Бюджет участі: запитання" in bodies[0]
    order = [texts[4], texts[0], texts[1], texts[2]]
    assert [next(t for t in texts if f"> {t}" in body) for body in bodies[1:]] == order
    assert "До кінця місяця." in bodies[2] and "До кінця місяця." not in bodies[1]
    assert not any("Смітник" in body for body in bodies)  # the hidden one is not there

    with app.app_context():
        discussion = db.session.get(Discussion, archive_id)
        last = db.session.scalars(
            select(Post.id).where(Post.discussion_id == archive_id).order_by(Post.id.desc())
        ).first()
        assert (discussion.reply_count, discussion.last_post_id) == (4, last)
        assert counters.check() == []  # the stored counts are the rows' counts
        replies = [p["id"] for p in posts[1:]]
        # Following the forum: the new discussion, then every reply, the one whose answer
        # names you as a mention (a question is quoted: its mention does not count); muted
        # replies: only the discussion; the host: nothing.
        expected = {posts[0]["id"]: "discussion"} | {p: "reply" for p in replies}
        expected[replies[2]] = "mention"
        assert _kinds(world.users["outsider"].id, archive_id) == expected
        assert _kinds(world.users["trainee"].id, archive_id) == {posts[0]["id"]: "discussion"}
        assert _kinds(world.users["expert"].id, archive_id) == {}
    assert finds(reader, "протокол") == 1  # the archive is found by a question's words


def _statements_to_end(app, world, session_factory, n: int) -> int:
    session_id, _ids = _live_session(
        app, world, session_factory, [f"Питання {i}" for i in range(n)]
    )
    with app.app_context(), QueryCounter(db.engine) as queries:
        host = _person(world, "expert")
        service.end_session(host, db.session.get(LiveSession, session_id))
    return len(queries)


def test_ending_a_session_costs_as_many_statements_for_30_questions_as_for_3(
    app, world, session_factory
):
    with app.app_context():
        forum = db.session.get(Space, world.spaces["forum_signed"])
        notifications.subscribe_forum(_person(world, "outsider"), forum, True)
    few = _statements_to_end(app, world, session_factory, 3)
    many = _statements_to_end(app, world, session_factory, 30)
    assert many == few
