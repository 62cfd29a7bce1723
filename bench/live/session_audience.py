"""What checking the audience of each live session event costs (issue 16:
cop/live/audience.py), beside its anchor in the same run.

    .venv/bin/python bench/live/session_audience.py [--sockets 200] [--sends 200]

In one process, on a fresh SQLite database in a temporary folder: a live session with
`--sockets` Socket.IO test clients (one person each, signed in with an API token) joined
to it. Anchor: one emit of a question to the session's public room, as every session
event was sent before (no check). Measured, alternating with the anchor, each in a fresh
app context:

- `kept`: `broadcast.deliver` of the same question while the access counter has not moved
  (the decisions kept per process: one query for the counter, a look-up per socket);
- `afresh`: the same after a write that moves the counter (made before the clock starts):
  the session, every person's facts in one query and the policy asked for each socket.

The SQL statements of one send are counted at 10 sockets and at `--sockets`, both ways.
Prints one JSON object: medians in milliseconds and the ratios to the anchor.
"""

import argparse
import json
import statistics
import tempfile
import time
from datetime import timedelta

clock = time.perf_counter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sockets", type=int, default=200)
    ap.add_argument("--sends", type=int, default=200)
    args = ap.parse_args()
    folder = tempfile.mkdtemp(prefix="cop_h1_bench_")

    from sqlalchemy import event, update

    from cop import create_app
    from cop.access_counter import ScopeGeneration
    from cop.accounts.models import Role, User
    from cop.accounts.service import create_token
    from cop.cli import init_database
    from cop.db import utcnow
    from cop.extensions import db, socketio
    from cop.live import broadcast, service
    from cop.realtime import NAMESPACE
    from cop.spaces.models import Space, SpaceKind, Visibility

    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": folder,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/cop.sqlite",
            "SECRET_KEY": "bench-not-secret",
            "COP_BASE_URL": "http://cop.test",
            "COP_SMTP_URL": None,
            "COP_LIVE_BROADCAST_WINDOW": 0,
        }
    )
    with app.app_context():
        init_database()
        people = [
            User(
                email=f"p{n}@example.org",
                display_name=f"Person {n}",
                role=Role.EXPERT if n == 0 else Role.MEMBER,
                password_hash="x",
            )
            for n in range(args.sockets + 1)
        ]
        db.session.add_all(people)
        forum = Space(
            kind=SpaceKind.FORUM, visibility=Visibility.SIGNED_IN, title="Форум", description=""
        )
        db.session.add(forum)
        db.session.commit()
        tokens = [create_token(p, "bench")[1] for p in people[1:]]
        session = service.schedule_session(
            people[0], forum, title="Сесія", scheduled_at=utcnow() + timedelta(hours=1)
        )
        session_id = session.id

    clients = []
    for token in tokens:
        client = socketio.test_client(app, namespace=NAMESPACE, auth={"token": token})
        client.emit("join", {"session_id": session_id}, namespace=NAMESPACE)
        clients.append(client)
    room = broadcast.public_room(session_id)
    body = {"id": 1, "session_id": session_id, "text": "Питання", "status": "visible"}
    order = json.dumps(["question", body, [room]])

    def anchor_send():
        socketio.server.emit("question", body, to=room, namespace=NAMESPACE, ignore_queue=True)

    def checked_send():
        broadcast.deliver(order)

    def move_counter():
        with app.app_context():
            db.session.execute(update(ScopeGeneration).values(value=ScopeGeneration.value + 1))
            db.session.commit()

    def timed(fn) -> float:
        with app.app_context():
            start = clock()
            fn()
            return clock() - start

    def drain():
        for client in clients:
            client.get_received(NAMESPACE)

    drain()
    sends = {"anchor": [], "kept": [], "afresh": []}
    for _ in range(args.sends):
        sends["anchor"].append(timed(anchor_send))
        sends["kept"].append(timed(checked_send))
        move_counter()
        sends["afresh"].append(timed(checked_send))
        drain()
    with app.app_context():
        checked_send()
    received = sum(1 for c in clients for e in c.get_received(NAMESPACE) if e["name"] == "question")

    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))

    def count_statements(fresh: bool) -> int:
        if fresh:
            move_counter()
        statements.clear()
        with app.app_context():
            checked_send()
        return len(statements)

    full = {"kept": count_statements(False), "afresh": count_statements(True)}
    for client in clients[10:]:
        client.disconnect(NAMESPACE)
    ten = {"kept": count_statements(False), "afresh": count_statements(True)}

    def ms(values) -> float:
        return round(statistics.median(values) * 1000, 2)

    anchor = ms(sends["anchor"])
    print(
        json.dumps(
            {
                "sockets": args.sockets,
                "sends": args.sends,
                "received_of_last_send": received,
                "anchor_emit_ms": anchor,
                "kept_ms": ms(sends["kept"]),
                "afresh_ms": ms(sends["afresh"]),
                "kept_ratio": round(ms(sends["kept"]) / anchor, 2),
                "afresh_ratio": round(ms(sends["afresh"]) / anchor, 2),
                "statements_at_10": ten,
                f"statements_at_{args.sockets}": full,
            }
        )
    )


if __name__ == "__main__":
    main()
