"""A search read replica (COP_DATABASE_REPLICA_URL): how much of a search's database work
leaves the primary, what a searchable write costs more, and a search's time on the
replica beside the same search on the primary (the anchor), per backend, in one run.

    COP_DATABASE_URL=postgresql+psycopg://cop:cop@127.0.0.1:5432/cop_bench \\
        $VENV/bin/python bench/forum/populate.py /tmp/cop-replica --posts 20000 --topics 400
    COP_DATABASE_URL=... COP_TEST_PORTS=3100-3199 \\
        $VENV/bin/python bench/search/replica.py /tmp/cop-replica [--rounds 10]

The standby is tests.servers.Standby's (a `pg_basebackup -R` of the local Debian cluster,
started on a port from COP_TEST_PORTS, removed at the end); so it shares the machine
with the primary, and the times say what the routing costs, not what a second machine
gains. The statement counts do not depend on the machine. Corpus, permissions and
queries are bench/search/run.py's. Each query: once on each app to warm up, then ROUNDS
times on each, alternating; the counts are of the call after the warm-up (no lag check
falls in it). Writes: ROUNDS replies through cop's service by a signed-in person, with
and without a replica configured. Writes results/replica.json and prints a table.
"""

import argparse
import json
import os
import statistics
import sys
import time
from contextlib import ExitStack

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))  # the repository, for tests.servers

from run import QUERIES, prepare  # noqa: E402  (bench/search/run.py)

BACKENDS = ("whoosh", "postgres")


class Statements:
    """Counts the statements an engine runs inside a `with` block."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _one(self, *_args) -> None:
        self.count += 1

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._one)
        return self

    def __exit__(self, *_exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._one)


def timed(app, member_id: int, q: str, engines: tuple = ()) -> tuple[float, list[int]]:
    """One search as the member: its time, and the statements it ran on each engine."""
    from cop.accounts.models import User
    from cop.extensions import db
    from cop.search import backend

    with app.test_request_context():
        member = db.session.get(User, member_id)
        with ExitStack() as stack:
            counters = [stack.enter_context(Statements(engine)) for engine in engines]
            started = time.perf_counter()
            backend.search(member, q)
            elapsed = (time.perf_counter() - started) * 1000
        return elapsed, [counter.count for counter in counters]


def counted(app, member_id: int, q: str) -> tuple[int, int]:
    """Statements of one search on the primary and on the replica."""
    from cop.extensions import REPLICA, db

    with app.app_context():
        engines = db.engines
        replica = engines.get(REPLICA)
    if replica is None:
        return timed(app, member_id, q, (engines[None],))[1][0], 0
    on_primary, on_replica = timed(app, member_id, q, (engines[None], replica))[1]
    return on_primary, on_replica


def write_statements(app, author_id: int, rounds: int) -> float:
    """Primary statements per reply by a signed-in person."""
    from flask_login import login_user
    from sqlalchemy import select

    from cop.accounts.models import User
    from cop.discussions import service
    from cop.discussions.models import Discussion
    from cop.extensions import db
    from cop.spaces.models import Space, Visibility

    total = 0
    for n in range(rounds):
        with app.test_request_context():
            author = db.session.get(User, author_id)
            login_user(author)
            discussion = db.session.scalar(
                select(Discussion)
                .join(Space, Discussion.space_id == Space.id)
                .where(Space.visibility == Visibility.PUBLIC)
                .order_by(Discussion.id)
                .limit(1)
            )
            with Statements(db.engine) as statements:
                service.reply(author, discussion, body=f"відповідь для заміру {n}")
            total += statements.count
    return total / rounds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance", nargs="?", default="/tmp/cop-replica")
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    os.environ["COP_INSTANCE_PATH"] = os.path.abspath(args.instance)
    os.environ.setdefault("COP_SECRET_KEY", "replica-bench-not-secret")
    url = os.environ["COP_DATABASE_URL"]

    from sqlalchemy import select, text

    from cop import create_app
    from cop.accounts.models import Role, User
    from cop.extensions import db
    from cop.search import backend
    from tests.servers import Standby

    standby = Standby(url)
    out: dict = {"rounds": args.rounds, "backends": {}}
    try:
        for name in BACKENDS:
            limits = {"COP_SEARCH_BACKEND": name, "COP_POST_LIMIT": "100000 per minute"}
            plain = create_app(limits)
            replicated = create_app(
                {
                    **limits,
                    "COP_DATABASE_REPLICA_URL": standby.url,
                    "COP_DATABASE_REPLICA_MAX_LAG": 3600,
                }
            )
            member_id = prepare(plain)["member_id"]
            with plain.app_context():
                # bench/forum/populate.py gives posts their ids: the sequence follows here.
                db.session.execute(
                    text("SELECT setval(pg_get_serial_sequence('post', 'id'), max(id)) FROM post")
                )
                db.session.commit()
                out["posts"] = backend.current().rebuild(lambda n: None)
                author_id = db.session.scalar(
                    select(User.id).where(User.role == Role.MEMBER, User.id != member_id).limit(1)
                )
                standby.catch_up(db.engine)
            rows = {}
            for kind, queries in QUERIES.items():
                times = {"primary": [], "replica": []}
                counts = {"primary": [0, 0], "replica": [0, 0]}
                for q in queries:
                    for label, app in (("primary", plain), ("replica", replicated)):
                        timed(app, member_id, q)  # warm-up
                        on_primary, on_replica = counted(app, member_id, q)
                        counts[label][0] += on_primary
                        counts[label][1] += on_replica
                    for _ in range(args.rounds):
                        for label, app in (("primary", plain), ("replica", replicated)):
                            times[label].append(timed(app, member_id, q)[0])
                p50 = {label: statistics.median(t) for label, t in times.items()}
                rows[kind] = {
                    "primary_statements_without_replica": counts["primary"][0] / len(queries),
                    "primary_statements_with_replica": counts["replica"][0] / len(queries),
                    "replica_statements": counts["replica"][1] / len(queries),
                    "p50_ms_primary": round(p50["primary"], 2),
                    "p50_ms_replica": round(p50["replica"], 2),
                    "ratio": round(p50["replica"] / p50["primary"], 2),
                }
            rows["a reply (primary statements)"] = {
                "without_replica": write_statements(plain, author_id, args.rounds),
                "with_replica": write_statements(replicated, author_id, args.rounds),
            }
            out["backends"][name] = rows
            for app in (plain, replicated):
                with app.app_context():
                    for engine in db.engines.values():
                        engine.dispose()
    finally:
        standby.remove()
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "replica.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print(f"posts: {out['posts']}, rounds: {args.rounds}")
    print(
        "| backend | queries | primary statements (no replica → replica) | replica statements "
        "| p50 ms primary | p50 ms replica | ratio |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, rows in out["backends"].items():
        for kind, r in rows.items():
            if "ratio" not in r:
                print(f"| {name} | {kind} | {r['without_replica']:.1f} → {r['with_replica']:.1f}")
                continue
            print(
                f"| {name} | {kind} | {r['primary_statements_without_replica']:.1f} → "
                f"{r['primary_statements_with_replica']:.1f} | {r['replica_statements']:.1f} | "
                f"{r['p50_ms_primary']} | {r['p50_ms_replica']} | {r['ratio']} |"
            )


if __name__ == "__main__":
    main()
