"""A space page's box of live sessions is kept for everyone who reads the space until the
page generation moves (cop/live/views.py, `person_cache.kept_for_everyone`): every change
to a session, through the site or by another process, shows on the next page."""

from sqlalchemy import delete, update

from cop.db import utcnow
from cop.extensions import db
from cop.live.models import LiveSession, SessionStatus
from tests.conftest import QueryCounter


def _box(client, space_id: int) -> str:
    """The box as this client sees it, twice (the second time from what is kept)."""
    pages = []
    for _ in range(2):
        response = client.get(f"/spaces/{space_id}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        start = page.find('<section class="live-in-space">')
        pages.append(page[start : page.index("</section>", start)] if start >= 0 else "")
    assert pages[0] == pages[1]
    return pages[0]


def _change(app, session_id: int, **values) -> None:
    with app.app_context():  # as another server process would: no call into this one's cache
        db.session.execute(update(LiveSession).where(LiveSession.id == session_id).values(**values))
        db.session.commit()


def test_sessions_changed_anywhere_show_at_once(app, world, login_as, session_factory):
    member, expert = login_as(world.users["member"]), login_as(world.users["expert"])
    forum = world.spaces["forum_signed"]
    assert _box(member, forum) == ""  # nothing to show, and the member may not schedule
    session_id = session_factory()  # scheduled as another process would
    box = _box(member, forum)
    assert "Бюджет участі: запитання" in box and "Заплановано" in box
    assert "Бюджет участі: запитання" in _box(expert, forum)
    assert _box(member, world.spaces["forum_public"]) == ""  # each space its own
    _change(app, session_id, status=SessionStatus.LIVE, started_at=utcnow())
    assert "Наживо" in _box(member, forum)
    _change(app, session_id, title="Нова назва сесії")
    assert "Нова назва сесії" in _box(member, forum)
    with app.app_context():
        db.session.execute(delete(LiveSession).where(LiveSession.id == session_id))
        db.session.commit()
    assert _box(member, forum) == ""


def test_a_kept_box_never_reaches_a_space_someone_may_not_read(
    app, world, login_as, session_factory
):
    member, outsider = login_as(world.users["member"]), login_as(world.users["outsider"])
    forum = world.spaces["forum_members"]
    session_factory(space="forum_members", host="admin")
    assert "Бюджет участі: запитання" in _box(member, forum)
    assert outsider.get(f"/spaces/{forum}").status_code == 404


def test_the_box_takes_the_same_queries_for_any_number_of_sessions(
    app, world, login_as, session_factory
):
    member = login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    with app.app_context():
        engine = db.engine

    def count() -> tuple[int, int]:
        counts = []
        for _ in range(2):  # the first computes the box, the second finds it kept
            with QueryCounter(engine) as queries:
                assert member.get(f"/spaces/{forum}").status_code == 200
            counts.append(len(queries))
        return tuple(counts)

    session_factory()
    one = count()
    assert one[1] < one[0]
    for _ in range(5):
        session_factory()
    assert count() == one
