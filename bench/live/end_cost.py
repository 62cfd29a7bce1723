"""What ending a big live session costs the server, in process: a session of a bench/live
world gets N approved questions (one in three answered) from N participants, F of whom
follow the forum, then the host ends it, which writes the archive (a discussion with a
reply per question, their notifications, counts and search outbox rows).

    COP_INSTANCE_PATH=/tmp/h4-end python bench/live/world.py --n 300 --sessions 4 \\
        --out /tmp/h4-end/world.json
    COP_INSTANCE_PATH=/tmp/h4-end python bench/live/end_cost.py --questions 300

Prints CPU ms of the end (best of the rounds after the first), its Python function calls
(cProfile, first round) and SQL statements. One world session per round: --sessions of
world.py must be at least --rounds.
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
from cop.accounts.models import User
from cop.db import utcnow
from cop.extensions import db
from cop.live import service
from cop.live.models import LiveQuestion, LiveSession, QuestionStatus, StaffRole
from cop.notifications.models import ForumSubscription


def prepare(session_id: int, questions: int, followers: int) -> None:
    session = db.session.get(LiveSession, session_id)
    people = list(db.session.scalars(User.__table__.select().with_only_columns(User.id)))
    host = next(s.user_id for s in session.staff if s.role == StaffRole.HOST)
    people = [p for p in people if p != host][:questions]
    db.session.add_all(
        LiveQuestion(
            session_id=session_id,
            author_id=person,
            text=f"Питання {i}: як громаді {i} подати звіт і куди надіслати протокол?",
            status=QuestionStatus.VISIBLE,
            vote_count=i % 17,
            answer="Через кабінет громади, до кінця місяця." if i % 3 == 0 else None,
            answered_at=utcnow() if i % 3 == 0 else None,
            answered_by_id=host if i % 3 == 0 else None,
        )
        for i, person in enumerate(people)
    )
    for person in people[:followers]:
        if db.session.get(ForumSubscription, (person, session.space_id)) is None:
            db.session.add(
                ForumSubscription(user_id=person, space_id=session.space_id, subscribed=True)
            )
    db.session.commit()


def end(session_id: int) -> None:
    session = db.session.get(LiveSession, session_id)
    host = next(s.user for s in session.staff if s.role == StaffRole.HOST)
    service.end_session(host, session)
    db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--followers", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    world = json.loads((Path(os.environ["COP_INSTANCE_PATH"]) / "world.json").read_text())
    app = create_app()
    statements = 0

    def count(*_args, **_kwargs):
        nonlocal statements
        statements += 1

    cpu, calls, counted = [], None, None
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        for round_ in range(args.rounds):
            session_id = world["session_ids"][round_]
            prepare(session_id, args.questions, args.followers)
            db.session.remove()
            statements, started = 0, time.process_time()
            if round_ == 0:
                profile = cProfile.Profile()
                profile.enable()
                end(session_id)
                profile.disable()
                calls, counted = pstats.Stats(profile).total_calls, statements
            else:
                end(session_id)
                cpu.append(1000 * (time.process_time() - started))
    print(
        json.dumps(
            {
                "questions": args.questions,
                "followers": args.followers,
                "cpu_ms_best": round(min(cpu)),
                "python_calls": calls,
                "sql_statements": counted,
            }
        )
    )


if __name__ == "__main__":
    main()
