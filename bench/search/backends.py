"""Both search backends on one corpus in one run: index build, query latency quiet and
under steady writes, and the first search after a write (is it found, how long).

    COP_DATABASE_URL=postgresql+psycopg://.../cop_bench \\
        $VENV/bin/python bench/forum/populate.py /tmp/cop-backends --posts 20000 --topics 400
    COP_DATABASE_URL=... $VENV/bin/python bench/search/backends.py /tmp/cop-backends

The corpus and the queries are bench/search/run.py's (same generator, same permissions:
the bench member reads 12 of 20 forums). The Whoosh backend is the anchor: every number
of the PostgreSQL backend is also given as its ratio to Whoosh's, measured in the same
run, query by query, alternating backends. Under writes, a separate process replies
every WRITE_EVERY seconds through cop's service (so the outbox fills as on a live
site), and only the measured backend drains it (the outbox is shared: the phases run one
backend after the other). Each query's warm-up search also counts the SQL statements
it sends (machine-independent: the catch-up, the reader's scope and the backend's own).
Writes results/backends.json (--out: another name) and prints a table.

For the 100,000-post corpus: `populate.py --posts 100000 --topics 2000` (its default);
a rebuild takes about five times the 20,000-post one (docs/benchmarks.md).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from run import QUERIES, percentile, prepare  # noqa: E402  (bench/search/run.py)

BACKENDS = ("whoosh", "postgres")
ROUNDS = 5
WRITE_EVERY = 0.2
AFTER_WRITE = 10  # writes each followed at once by a search for the written word


def writer(instance: str) -> None:
    """Reply in the corpus's discussions every WRITE_EVERY seconds until killed."""
    from sqlalchemy import select

    from cop import create_app
    from cop.accounts.models import User
    from cop.discussions import service
    from cop.discussions.models import Discussion
    from cop.extensions import db
    from cop.spaces.models import Space, Visibility

    app = create_app({"COP_POST_LIMIT": "100000 per minute"})
    with app.test_request_context():
        author = db.session.scalar(select(User).order_by(User.id).limit(1))
        threads = list(
            db.session.scalars(
                select(Discussion.id)
                .join(Space, Discussion.space_id == Space.id)
                .where(Space.visibility == Visibility.PUBLIC)
                .order_by(Discussion.id)
            )
        )
        n = 0
        while True:
            thread = db.session.get(Discussion, threads[n % len(threads)])
            service.reply(author, thread, body=f"Сервер і форум: запит номер {n}, python")
            db.session.remove()
            n += 1
            time.sleep(WRITE_EVERY)


class Statements:
    """SQL statements sent through the apps' engines while counting."""

    def __init__(self) -> None:
        self.count = 0
        self.on = False

    def watch(self, engine) -> None:
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args) -> None:
        self.count += self.on


STATEMENTS = Statements()


def timed(search, member, q: str) -> tuple[float, int]:
    started = time.perf_counter()
    found = search(member, q)
    return (time.perf_counter() - started) * 1000, found.total


def latencies(apps, member_id: int, backends, rounds: int) -> dict:
    """p50 / p95 per query kind and backend, queries alternating between the backends,
    and the statements of each query's warm-up search."""
    from cop.accounts.models import User
    from cop.extensions import db
    from cop.search.backend import search

    times = {(b, kind): [] for b in backends for kind in QUERIES}
    totals = {(b, kind): [] for b in backends for kind in QUERIES}
    statements = {(b, kind): [] for b in backends for kind in QUERIES}
    for kind, queries in QUERIES.items():
        for q in queries:
            for n in range(rounds + 1):  # the first round warms up
                for b in backends:
                    with apps[b].test_request_context():
                        member = db.session.get(User, member_id)
                        STATEMENTS.count, STATEMENTS.on = 0, n == 0
                        ms, total = timed(search, member, q)
                        STATEMENTS.on = False
                    if n > 0:
                        times[(b, kind)].append(ms)
                    else:
                        totals[(b, kind)].append(total)
                        statements[(b, kind)].append(STATEMENTS.count)
    return {
        f"{b} {kind}": {
            "p50_ms": round(statistics.median(times[(b, kind)]), 1),
            "p95_ms": round(percentile(times[(b, kind)], 95), 1),
            "matches": totals[(b, kind)],
            "statements": statements[(b, kind)],
        }
        for (b, kind) in times
    }


def after_writes(app, member_id: int) -> dict:
    """Write a reply with a new word, search for it at once: found? how long?"""
    from sqlalchemy import select

    from cop.accounts.models import User
    from cop.discussions import service
    from cop.discussions.models import Discussion
    from cop.extensions import db
    from cop.search.backend import search
    from cop.spaces.models import Space, Visibility

    times, found = [], 0
    with app.test_request_context():
        thread = db.session.scalar(
            select(Discussion.id)
            .join(Space, Discussion.space_id == Space.id)
            .where(Space.visibility == Visibility.PUBLIC)
            .order_by(Discussion.id)
            .limit(1)
        )
        for n in range(AFTER_WRITE):
            author = db.session.get(User, member_id)
            word = "щойно" + "абвгдежзик"[n] + "слово"
            service.reply(author, db.session.get(Discussion, thread), body=f"Нове: {word}")
            ms, total = timed(search, db.session.get(User, member_id), word)
            times.append(ms)
            found += total == 1
            db.session.remove()
    return {
        "found_at_once": f"{found} of {AFTER_WRITE}",
        "p50_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
    }


def index_in_both(apps, last_post: int) -> None:
    """The posts written during the writes phases, into both indexes: the outbox is shared,
    so each phase's posts went into the measured backend only, and the next run would
    start from indexes that differ by them."""
    from sqlalchemy import select

    from cop.discussions.models import Post
    from cop.extensions import db
    from cop.search import backend
    from cop.search.models import SearchOutbox

    for b in BACKENDS:
        with apps[b].app_context():
            written = db.session.scalars(select(Post.id).where(Post.id > last_post)).all()
            db.session.add_all(SearchOutbox(field="post", value=str(n)) for n in written)
            db.session.commit()
            backend.current().drain(True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance", nargs="?", default="/tmp/cop-backends")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--skip-quiet", action="store_true", help="only the phase under writes")
    ap.add_argument("--rounds", type=int, default=ROUNDS, help="timed rounds per query")
    ap.add_argument("--out", default="backends.json", help="file name under results/")
    ap.add_argument("--writer", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    instance = os.path.abspath(args.instance)
    os.environ["COP_INSTANCE_PATH"] = instance
    os.environ.setdefault("COP_SECRET_KEY", "search-bench-not-secret")
    if args.writer:
        return writer(instance)

    from sqlalchemy import func, select, text

    from cop import create_app
    from cop.discussions.models import Post
    from cop.extensions import db
    from cop.search import indexer

    config = {"COP_SEARCH_LIMIT": "100000 per minute", "COP_POST_LIMIT": "100000 per minute"}
    apps = {b: create_app({**config, "COP_SEARCH_BACKEND": b}) for b in BACKENDS}
    for b in BACKENDS:
        with apps[b].app_context():
            STATEMENTS.watch(db.engine)
    prepared = prepare(apps["whoosh"])
    out: dict = {"readable_spaces": prepared["readable_spaces"]}
    with apps["whoosh"].app_context():  # searches stand for themselves: nothing waits
        out["documents"] = indexer.count_documents()
        db.session.execute(text("DELETE FROM search_outbox"))
        for table in ("post", "discussion"):  # populate.py gave the ids itself
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
            )
        db.session.commit()
    for b in BACKENDS:
        with apps[b].app_context():
            from cop.search import backend

            if not args.skip_build:
                started = time.perf_counter()
                backend.current().rebuild(lambda n: None)
                out[f"{b} build_seconds"] = round(time.perf_counter() - started, 1)
                print(b, "built in", out[f"{b} build_seconds"], "s", flush=True)
    with apps["postgres"].app_context():
        size = db.session.scalar(
            select(
                func.pg_total_relation_size("search_document")
                + func.pg_total_relation_size("search_word")
            )
        )
        out["postgres table_mb"] = round(size / 2**20)
    du = subprocess.run(["du", "-sm", f"{instance}/search"], capture_output=True, text=True)
    out["whoosh index_mb"] = int(du.stdout.split()[0])

    member_id = prepared["member_id"]
    if not args.skip_quiet:
        out["quiet"] = latencies(apps, member_id, BACKENDS, args.rounds)
        print(json.dumps(out["quiet"]), flush=True)
    out["under writes"] = {}
    out["search after own write"] = {}
    with apps["whoosh"].app_context():
        last_post = db.session.scalar(select(func.max(Post.id)))
    for b in BACKENDS:
        job = subprocess.Popen([sys.executable, __file__, instance, "--writer"], env={**os.environ})
        try:
            time.sleep(2)
            out["under writes"].update(latencies(apps, member_id, (b,), args.rounds))
            out["search after own write"][b] = after_writes(apps[b], member_id)
        finally:
            job.kill()
            job.wait()
        with apps[b].app_context():
            from cop.search import backend

            backend.current().drain(True)
    index_in_both(apps, last_post)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", args.out), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print(json.dumps({k: v for k, v in out.items() if not isinstance(v, dict)}))
    print(json.dumps(out["search after own write"], ensure_ascii=False))
    for phase in [p for p in ("quiet", "under writes") if p in out]:
        print(
            f"\n{phase}\n| query | whoosh p50 / p95 ms | postgres p50 / p95 ms | p95 ratio "
            "| statements whoosh / postgres |"
        )
        print("|---|---:|---:|---:|---|")
        for kind in QUERIES:
            w, p = out[phase][f"whoosh {kind}"], out[phase][f"postgres {kind}"]
            ratio = p["p95_ms"] / w["p95_ms"] if w["p95_ms"] else float("nan")
            print(
                f"| {kind} | {w['p50_ms']} / {w['p95_ms']} | {p['p50_ms']} / {p['p95_ms']} "
                f"| {ratio:.2f} | {w['statements']} / {p['statements']} |"
            )


if __name__ == "__main__":
    sys.exit(main())
