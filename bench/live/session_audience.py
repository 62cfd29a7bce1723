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
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from audience import (  # noqa: E402 (a sibling module of this script)
    connect,
    drain,
    forum_with_people,
    make_app,
    median_ms,
    statement_counter,
    timed,
)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sockets", type=int, default=200)
    ap.add_argument("--sends", type=int, default=200)
    args = ap.parse_args()

    from sqlalchemy import update

    from cop.access_counter import ScopeGeneration
    from cop.db import utcnow
    from cop.extensions import db, socketio
    from cop.live import broadcast, service
    from cop.realtime import NAMESPACE

    app = make_app(COP_LIVE_BROADCAST_WINDOW=0)
    with app.app_context():
        host, _members, forum, tokens = forum_with_people(args.sockets)
        session = service.schedule_session(
            host, forum, title="Сесія", scheduled_at=utcnow() + timedelta(hours=1)
        )
        session_id = session.id

    clients = connect(app, tokens, "join", {"session_id": session_id})
    room = broadcast.public_room(session_id)
    body = {"id": 1, "session_id": session_id, "text": "Питання", "status": "visible"}
    order = json.dumps([["question", body, [room]]])

    def anchor_send():
        socketio.server.emit("question", body, to=room, namespace=NAMESPACE, ignore_queue=True)

    def checked_send():
        broadcast.deliver(order)

    def move_counter():
        with app.app_context():
            db.session.execute(update(ScopeGeneration).values(value=ScopeGeneration.value + 1))
            db.session.commit()

    drain(clients)
    sends = {"anchor": [], "kept": [], "afresh": []}
    for _ in range(args.sends):
        sends["anchor"].append(timed(app, anchor_send))
        sends["kept"].append(timed(app, checked_send))
        move_counter()
        sends["afresh"].append(timed(app, checked_send))
        drain(clients)
    with app.app_context():
        checked_send()
    received = sum(1 for c in clients for e in c.get_received(NAMESPACE) if e["name"] == "question")

    count = statement_counter(app)

    def count_statements(fresh: bool) -> int:
        if fresh:
            move_counter()
        return count(checked_send)

    full = {"kept": count_statements(False), "afresh": count_statements(True)}
    for client in clients[10:]:
        client.disconnect(NAMESPACE)
    ten = {"kept": count_statements(False), "afresh": count_statements(True)}

    anchor = median_ms(sends["anchor"])
    print(
        json.dumps(
            {
                "sockets": args.sockets,
                "sends": args.sends,
                "received_of_last_send": received,
                "anchor_emit_ms": anchor,
                "kept_ms": median_ms(sends["kept"]),
                "afresh_ms": median_ms(sends["afresh"]),
                "kept_ratio": round(median_ms(sends["kept"]) / anchor, 2),
                "afresh_ratio": round(median_ms(sends["afresh"]) / anchor, 2),
                "statements_at_10": ten,
                f"statements_at_{args.sockets}": full,
            }
        )
    )


if __name__ == "__main__":
    main()
