"""A database for the live benchmark: a signed-in forum with a live session, an expert host,
and N participants with API tokens (written to a JSON file for the load client).

    COP_INSTANCE_PATH=/tmp/cop-live-bench python bench/live/world.py --n 2100 --out world.json
"""

import argparse
import json
import secrets
from datetime import timedelta

from cop import create_app
from cop.accounts.models import AccessToken, Role, User
from cop.accounts.service import TOKEN_PREFIX, _hash_token
from cop.cli import init_database
from cop.db import utcnow
from cop.extensions import db
from cop.live import service
from cop.live.models import LiveSession, SessionStatus
from cop.spaces.models import Space, SpaceKind, Visibility


def build(n: int, sessions: int) -> dict:
    init_database()
    host = User(
        email="host@bench.test", display_name="Експертка", role=Role.EXPERT, password_hash="!"
    )
    space = Space(
        kind=SpaceKind.FORUM, visibility=Visibility.SIGNED_IN, title="Вебінар", description=""
    )
    db.session.add_all([host, space])
    db.session.commit()
    session_ids = []
    for i in range(sessions):  # one per run: each starts without earlier runs' questions
        session = service.schedule_session(
            host, space, title=f"Вебінар {i + 1}", scheduled_at=utcnow() + timedelta(hours=1)
        )
        db.session.get(LiveSession, session.id).status = SessionStatus.LIVE
        session_ids.append(session.id)
    tokens = []
    for first in range(0, n, 200):  # in chunks: usernames are checked with one IN (...)
        for i in range(first, min(n, first + 200)):
            person = User(
                email=f"p{i}@bench.test",
                display_name=f"Учасник {i}",
                role=Role.MEMBER,
                password_hash="!",
            )
            raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
            db.session.add(AccessToken(user=person, name="bench", token_hash=_hash_token(raw)))
            tokens.append(raw)
        db.session.flush()
    db.session.commit()
    return {"session_ids": session_ids, "tokens": tokens}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, required=True, help="participants")
    parser.add_argument("--sessions", type=int, default=10, help="live sessions, one per run")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        world = build(args.n, args.sessions)
    with open(args.out, "w") as out:
        json.dump(world, out)
    print(f"{args.sessions} sessions, {args.n} participants -> {args.out}")


if __name__ == "__main__":
    main()
