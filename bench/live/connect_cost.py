"""What one webinar participant's arrival costs the server, in process: connect to `/live`
with an API token (as bench/live/loadclient.py does), then `join` with `batch: true`, for
N participants of a bench/live world, through Flask-SocketIO's test client (the same
handlers, policy and queries as under `cop run`, without the network).

    COP_INSTANCE_PATH=/tmp/cop-live-q2 python bench/live/connect_cost.py --session 3 --n 200

Prints CPU ms per arrival (best of the rounds), Python function calls and SQL statements
per arrival. Each round uses other participants (a token's first use in five minutes
writes its "last used" time, as a real arrival's does), so run it with --n times
--rounds within the world's size; tokens reused after that show the cheaper repeat.
"""

import argparse
import cProfile
import json
import os
import pstats
import time
from pathlib import Path

from sqlalchemy import event

from cop import create_app
from cop.extensions import db, socketio


def arrive(app, token: str, session_id: int):
    client = socketio.test_client(app, namespace="/live", auth={"token": token})
    assert client.is_connected("/live"), "refused"
    answer = client.emit(
        "join", {"session_id": session_id, "batch": True}, namespace="/live", callback=True
    )
    assert answer and answer.get("ok"), answer
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--session", type=int, default=3, help="index into the world's sessions")
    parser.add_argument("--n", type=int, default=200, help="participants per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--first", type=int, default=0, help="the world's first token to use")
    args = parser.parse_args()
    instance = Path(os.environ["COP_INSTANCE_PATH"])
    world = json.loads((instance / "world.json").read_text())
    session_id = world["session_ids"][args.session]
    tokens = world["tokens"][args.first :]
    app = create_app()
    statements = 0

    def count(*_args, **_kwargs):
        nonlocal statements
        statements += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    for client in [arrive(app, tokens[i], session_id) for i in range(20)]:  # warm-up
        client.disconnect(namespace="/live")
    best, offset = None, 20
    for _ in range(args.rounds):
        batch = tokens[offset : offset + args.n]
        offset += args.n
        statements, started = 0, time.process_time()
        clients = [arrive(app, token, session_id) for token in batch]
        cpu_ms = 1000 * (time.process_time() - started) / len(batch)
        per_statements = statements / len(batch)
        for client in clients:
            client.disconnect(namespace="/live")
        best = cpu_ms if best is None else min(best, cpu_ms)
    profile = cProfile.Profile()
    batch = tokens[offset : offset + 50]
    profile.enable()
    clients = [arrive(app, token, session_id) for token in batch]
    profile.disable()
    calls = pstats.Stats(profile).total_calls / len(batch)
    for client in clients:
        client.disconnect(namespace="/live")
    print(
        json.dumps(
            {
                "cpu_ms_per_arrival": round(best, 2),
                "python_calls_per_arrival": round(calls),
                "sql_statements_per_arrival": round(per_statements, 1),
                "participants_per_round": args.n,
            }
        )
    )


if __name__ == "__main__":
    main()
