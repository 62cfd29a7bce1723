from cop.extensions import db
from cop.live.models import LiveSession
from tests.conftest import QueryCounter
from tests.sockets.conftest import NS, join


def test_schedule_page_and_session_page(app, world, login_as):
    expert = login_as(world.users["expert"])
    space = world.spaces["forum_signed"]
    assert "Запланувати" in expert.get(f"/spaces/{space}").get_data(as_text=True)
    response = expert.post(
        f"/spaces/{space}/live/new",
        data={
            "title": "Стратегія: запитання",
            "scheduled_at": "2026-12-01T10:00",
            "max_question_length": "200",
            "anonymous_allowed": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = expert.get(response.headers["Location"]).get_data(as_text=True)
    assert "Стратегія: запитання" in page
    assert "js/live.js" in page and "<script>" not in page
    assert 'id="live-start"' in page
    with app.app_context():
        session = db.session.query(LiveSession).one()
        assert session.scheduled_at.utcoffset() is not None
        assert session.scheduled_at.hour in (8, 10)  # Kyiv time, stored in UTC
    member = login_as(world.users["member"])
    member_page = member.get(f"/live/{session.id}").get_data(as_text=True)
    assert 'id="live-ask"' in member_page and 'id="live-start"' not in member_page
    assert member.get(f"/spaces/{space}/live/new").status_code in (200, 302)
    refused = member.post(
        f"/spaces/{space}/live/new",
        data={"title": "Ні", "scheduled_at": "2026-12-01T10:00", "max_question_length": "200"},
    )
    assert refused.status_code == 200
    assert "не можна" in refused.get_data(as_text=True).lower()


def test_pages_are_404_for_those_who_may_not_read_the_space(app, world, login_as, client):
    from tests.sockets.conftest import NS  # noqa: F401

    admin = login_as(world.users["admin"])
    admin.post(
        f"/spaces/{world.spaces['forum_members']}/live/new",
        data={
            "title": "Для своїх",
            "scheduled_at": "2026-12-01T10:00",
            "max_question_length": "200",
        },
    )
    with app.app_context():
        session_id = db.session.query(LiveSession.id).scalar()
    outsider = login_as(world.users["outsider"])
    assert outsider.get(f"/live/{session_id}").status_code == 404
    assert outsider.get(f"/live/{session_id}/present").status_code == 404
    assert "Для своїх" not in outsider.get("/live").get_data(as_text=True)
    assert client.get(f"/live/{session_id}").status_code == 404


def test_session_page_queries_do_not_grow_with_questions(app, world, login_as, session_factory):
    from cop.extensions import socketio

    session_id = session_factory()
    member = login_as(world.users["member"])
    asker = socketio.test_client(app, namespace=NS, flask_test_client=member)
    join(asker, session_id)

    def count() -> int:
        with app.app_context():
            engine = db.engine
        with QueryCounter(engine) as counter:
            assert member.get(f"/live/{session_id}").status_code == 200
        return len(counter)

    asker.emit("ask", {"session_id": session_id, "text": "Одне"}, namespace=NS)
    member.get(f"/live/{session_id}")  # what is kept from a person's first view on
    one = count()
    for n in range(5):
        asker.emit("ask", {"session_id": session_id, "text": f"Ще {n}"}, namespace=NS)
    app.config["COP_LIVE_ASK_LIMIT"] = "100 per minute"
    assert count() == one
    asker.disconnect(NS)


def test_a_live_space_lists_its_sessions_and_links_the_archive(
    app, world, login_as, session_factory
):
    from cop.accounts.models import User
    from cop.live import service

    member = login_as(world.users["member"])
    space = world.spaces["live"]
    assert "Сесій наживо ще немає." in member.get(f"/spaces/{space}").get_data(as_text=True)
    session_id = session_factory(space="live")
    with app.app_context():
        host = db.session.get(User, world.users["expert"].id)
        session = service.start_session(host, db.session.get(LiveSession, session_id))
        archive = service.end_session(host, session).archive_id
    page = member.get(f"/spaces/{space}").get_data(as_text=True)
    assert f'href="/live/{session_id}">Бюджет участі: запитання</a>' in page
    assert f'href="/discussions/{archive}">Архів</a>' in page
    assert "Сесій наживо ще немає." not in page and "Тут ще нічого" not in page


def test_a_guest_without_open_sessions_is_offered_to_sign_in(app, world, live):
    page = app.test_client().get("/live").get_data(as_text=True)
    assert "Бюджет участі" not in page  # the session is in a signed-in forum
    assert "Відкритих сесій наживо зараз немає." in page and 'href="/login?next=/live"' in page
