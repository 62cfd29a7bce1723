"""Time the snapshot a client gets on `join` (cop/live/sockets.state) for one session of a
bench/live instance, in process: every reconnecting client costs the server one.

    COP_INSTANCE_PATH=/tmp/cop-live-s5 python bench/live/snapshot.py --session 2

Prints the best of five rounds, in ms per snapshot, and the number of questions in it.
Joins at the same version of the session share one list (cop/live/snapshots.py): this
times a join that finds it built, as all but the first after a change do.
"""

import argparse
import json
import os
import timeit
from pathlib import Path

from sqlalchemy import select

from cop import create_app
from cop.accounts.models import Role, User
from cop.extensions import db
from cop.live.models import LiveSession
from cop.live.sockets import state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--session", type=int, default=2, help="index into the world's sessions")
    parser.add_argument("--number", type=int, default=50, help="snapshots per round")
    args = parser.parse_args()
    world = json.loads((Path(os.environ["COP_INSTANCE_PATH"]) / "world.json").read_text())
    session_id = world["session_ids"][args.session]
    app = create_app()
    with app.app_context():
        member = db.session.scalars(select(User).where(User.role == Role.MEMBER)).first()

        def snapshot() -> dict:
            db.session.remove()  # each join starts with an empty identity map
            return state(member, db.session.get(LiveSession, session_id), moderates=False)

        questions = len(json.loads(snapshot()["questions"].text))
        rounds = timeit.repeat(snapshot, number=args.number, repeat=5)
        print(f"{min(rounds) / args.number * 1000:.2f} ms per snapshot of {questions} questions")


if __name__ == "__main__":
    main()
