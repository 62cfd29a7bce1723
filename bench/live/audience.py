"""What the audience benchmarks (reply_audience.py, session_audience.py) share: a fresh
app on SQLite in a temporary folder, a signed-in forum with an expert and N members with
API tokens, Socket.IO test clients for them, and the timing and counting helpers."""

import statistics
import tempfile
import time

clock = time.perf_counter


def make_app(**config):
    from cop import create_app
    from cop.cli import init_database

    folder = tempfile.mkdtemp(prefix="cop_bench_audience_")
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": folder,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/cop.sqlite",
            "SECRET_KEY": "bench-not-secret",
            "COP_BASE_URL": "http://cop.test",
            "COP_SMTP_URL": None,
            **config,
        }
    )
    with app.app_context():
        init_database()
    return app


def forum_with_people(members: int):
    """In an app context: the expert, the members and the forum (committed), and the
    members' API tokens."""
    from cop.accounts.models import Role, User
    from cop.accounts.service import create_token
    from cop.extensions import db
    from cop.spaces.models import Space, SpaceKind, Visibility

    people = [
        User(
            email=f"p{n}@example.org",
            display_name=f"Person {n}",
            role=Role.EXPERT if n == 0 else Role.MEMBER,
            password_hash="x",
        )
        for n in range(members + 1)
    ]
    for start in range(0, len(people), 200):  # SQLite: one flush of 1,000 ran too deep
        db.session.add_all(people[start : start + 200])
        db.session.commit()
    forum = Space(
        kind=SpaceKind.FORUM, visibility=Visibility.SIGNED_IN, title="Форум", description=""
    )
    db.session.add(forum)
    db.session.commit()
    tokens = [create_token(p, "bench")[1] for p in people[1:]]
    return people[0], people[1:], forum, tokens


def live_session_with_people(members: int) -> tuple[int, list[str]]:
    """In an app context: `forum_with_people`, and a live session of the expert's in the
    forum (committed); its id and the members' API tokens."""
    from datetime import timedelta

    from cop.db import utcnow
    from cop.extensions import db
    from cop.live import service
    from cop.live.models import LiveSession, SessionStatus

    host, _members, forum, tokens = forum_with_people(members)
    session = service.schedule_session(
        host, forum, title="Сесія", scheduled_at=utcnow() + timedelta(hours=1)
    )
    db.session.get(LiveSession, session.id).status = SessionStatus.LIVE
    db.session.commit()
    return session.id, tokens


def connect(app, tokens, event: str, data: dict) -> list:
    """A Socket.IO test client per token, each having sent `event` with `data`."""
    from cop.extensions import socketio
    from cop.realtime import NAMESPACE

    clients = []
    for token in tokens:
        client = socketio.test_client(app, namespace=NAMESPACE, auth={"token": token})
        client.emit(event, data, namespace=NAMESPACE)
        clients.append(client)
    return clients


def drain(clients) -> None:
    from cop.realtime import NAMESPACE

    for client in clients:
        client.get_received(NAMESPACE)


def timed(app, fn) -> float:
    """Seconds `fn` takes, in a fresh app context (nothing cached from the last call)."""
    with app.app_context():
        start = clock()
        fn()
        return clock() - start


def statement_counter(app):
    """A function that runs `fn` in a fresh app context and returns how many SQL
    statements it sent."""
    from sqlalchemy import event

    from cop.extensions import db

    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))

    def count(fn) -> int:
        statements.clear()
        with app.app_context():
            fn()
        return len(statements)

    return count


def median_ms(values, digits: int = 2) -> float:
    return round(statistics.median(values) * 1000, digits)
