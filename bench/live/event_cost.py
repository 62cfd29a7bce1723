"""What one live question and one vote cost the server, in process, beside the framework's
own emit in the same run: Python function calls (cProfile) and SQL statements, counts
that do not depend on the machine's load.

    .venv/bin/python bench/live/event_cost.py [--sockets 200] [--events 100]

On a fresh SQLite database in a temporary folder: a live session with `--sockets`
Socket.IO test clients (one person each, an API token) joined with `batch: true`, as the
browser joins. Measured, each after a warm-up:

- `ask`: one participant asks (the handler, the service, the commit, the audience check
  and the batch to every socket);
- `vote`: another participant votes for a recent question (the same, with its counts);
- anchor: one emit of the same question to the session's room with nothing else (what
  bare Flask-SocketIO does per event).

Calls and statements are what compare across machines; CPU ms (median) only beside the
anchor of the same run.

Sends go out inline (COP_LIVE_BROADCAST_WINDOW=0), one process, no message queue: the
Redis publish to the other processes is not in the counts. Prints one JSON object.

With `--database URL` (an empty PostgreSQL database, `postgresql+psycopg://…`) instead of
SQLite, it also counts the round trips to the server per event (`*_round_trips`: every
query psycopg sends, the BEGIN, COMMIT and connection checks included; under gevent each
is a turn round the event loop), with psycopg's pure-Python implementation.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from audience import (  # noqa: E402 (a sibling module of this script)
    connect,
    drain,
    live_session_with_people,
    make_app,
    statement_counter,
)


def cpu_ms(app, fn) -> float:
    with app.app_context():
        started = time.process_time()
        fn()
        return 1000 * (time.process_time() - started)


def trip_counter():
    """A function that runs `fn` in a fresh app context and returns how many queries
    psycopg sent the server meanwhile."""
    from psycopg.pq import pq_ctypes

    sent = [0]
    for name in ("send_query", "send_query_params", "send_query_prepared", "send_prepare"):
        original = getattr(pq_ctypes.PGconn, name)

        def counted(self, *args, _original=original, **kwargs):
            sent[0] += 1
            return _original(self, *args, **kwargs)

        setattr(pq_ctypes.PGconn, name, counted)

    def count(app, fn) -> int:
        sent[0] = 0
        with app.app_context():
            fn()
        return sent[0]

    return count


def calls(app, fn) -> int:
    profile = cProfile.Profile()
    with app.app_context():
        profile.enable()
        fn()
        profile.disable()
    return pstats.Stats(profile).total_calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sockets", type=int, default=200)
    ap.add_argument("--events", type=int, default=100, help="asks and votes, each")
    ap.add_argument("--database", help="an empty PostgreSQL database's URL (default SQLite)")
    args = ap.parse_args()
    database = {"SQLALCHEMY_DATABASE_URI": args.database} if args.database else {}
    if args.database:
        os.environ["PSYCOPG_IMPL"] = "python"  # before psycopg is imported: trip_counter

    from cop.extensions import socketio
    from cop.live import broadcast
    from cop.realtime import NAMESPACE

    app = make_app(
        COP_LIVE_BROADCAST_WINDOW=0,
        COP_LIVE_ASK_LIMIT="100000 per minute",
        COP_LIVE_VOTE_LIMIT="100000 per minute",
        **database,
    )
    with app.app_context():
        session_id, tokens = live_session_with_people(args.sockets)

    clients = connect(app, tokens, "join", {"session_id": session_id, "batch": True})
    drain(clients)
    asker, voters = clients[0], clients[1:]
    asked: list[int] = []
    marker, votes = iter(range(10**6)), iter(range(10**6))

    def ask():
        text = f"q{next(marker)} Коли громада отримає звіт?"
        ack = asker.emit(
            "ask", {"session_id": session_id, "text": text}, namespace=NAMESPACE, callback=True
        )
        asked.append(ack["question_id"])

    def vote():  # each voter once per question: the latest question, then the one before
        k = next(votes)
        question_id = asked[-1 - k // len(voters)]
        ack = voters[k % len(voters)].emit(
            "vote", {"question_id": question_id}, namespace=NAMESPACE, callback=True
        )
        assert ack["changed"], ack

    room = broadcast.batch_twin(broadcast.public_room(session_id))
    body = {"id": 1, "session_id": session_id, "text": "Питання", "status": "visible"}

    def anchor():
        socketio.server.emit("batch", [["question", body]], to=room, namespace=NAMESPACE)

    for fn in (ask, vote, anchor):  # warm-up: decisions made, statements compiled
        with app.app_context():
            fn()
    drain(clients)
    count = statement_counter(app)
    trips = trip_counter() if args.database else None
    result = {"sockets": args.sockets, "events": args.events}
    for name, fn in (("anchor", anchor), ("ask", ask), ("vote", vote)):
        total_calls = statements = round_trips = 0
        times = []
        for _ in range(args.events):
            total_calls += calls(app, fn)
            statements += count(fn)
            round_trips += trips(app, fn) if trips else 0
            times.append(cpu_ms(app, fn))
            drain(clients)
        result[f"{name}_calls"] = round(total_calls / args.events)
        result[f"{name}_statements"] = round(statements / args.events, 2)
        if trips:
            result[f"{name}_round_trips"] = round(round_trips / args.events, 2)
        result[f"{name}_cpu_ms"] = round(statistics.median(times), 2)
    for name in ("ask", "vote"):
        result[f"{name}_to_anchor"] = round(result[f"{name}_calls"] / result["anchor_calls"], 2)
    with app.app_context():
        ask()
    received = clients[-1].get_received(NAMESPACE)
    items = [item for e in received if e["name"] == "batch" for item in e["args"][0]]
    result["last_socket_got_it"] = any(data.get("id") == asked[-1] for _e, data in items)
    import cop

    result["cop"] = str(Path(cop.__file__).parent.parent)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
