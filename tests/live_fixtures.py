"""Fixtures for live sessions, shared by the socket, API and page tests: a session to
join, and socket test clients signed in as the world's people."""

from datetime import timedelta

import pytest

from cop.db import utcnow
from cop.extensions import db, socketio
from cop.live import service
from cop.live.models import LiveSession
from cop.spaces.models import Space

NS = "/live"


@pytest.fixture
def session_factory(app, world):
    from cop.accounts.models import User

    def make(space="forum_signed", host="expert", moderators=(), **settings) -> int:
        with app.app_context():
            actor = db.session.get(User, world.users[host].id)
            session = service.schedule_session(
                actor,
                db.session.get(Space, world.spaces[space]),
                title="Бюджет участі: запитання",
                scheduled_at=utcnow() + timedelta(hours=1),
                moderator_ids=[world.users[m].id for m in moderators],
                **settings,
            )
            return session.id

    return make


@pytest.fixture
def live(app, session_factory):
    """The id of a live session in the signed-in forum, hosted by the expert."""
    session_id = session_factory()
    with app.app_context():
        db.session.get(LiveSession, session_id).status = "live"
        db.session.commit()
    return session_id


@pytest.fixture
def connect(app, world, login_as):
    """A socket test client signed in as one of the world's people (None: a guest)."""
    clients = []

    def open_(name: str | None, **kwargs):
        http = login_as(world.users[name]) if name else app.test_client()
        client = socketio.test_client(app, namespace=NS, flask_test_client=http, **kwargs)
        clients.append(client)
        return client

    yield open_
    for client in clients:
        if client.is_connected(NS):
            client.disconnect(NS)


def ask_many(asker, session_id: int, count: int) -> list[int]:
    """`count` questions asked one after another through a served socket (a
    tests.servers.Recorder); their ids."""
    return [
        asker.call("ask", {"session_id": session_id, "text": f"Питання {i}"})["question_id"]
        for i in range(count)
    ]
