"""CPU per search, split between cop's process and the PostgreSQL backend that serves it,
for both search backends on one corpus: robust on a busy machine, where wall times are
not (docs/benchmarks.md, "PostgreSQL search, session 11").

    COP_INSTANCE_PATH=/tmp/cop-backends100 \\
    COP_DATABASE_URL=postgresql+psycopg://cop:cop@127.0.0.1:5432/cop_bench100 \\
        python bench/search/cpu.py --runs 10 [query ...]

For each query (bench/search/run.py's first of each kind by default) and backend: one
warm-up search, then `--runs` searches; prints the milliseconds of CPU per search of the
database's backend process (user + system from /proc/<pid>/stat, in clock ticks: use
enough runs) and of this process, side by side."""

import argparse
import os
import sys
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from run import QUERIES, prepare  # noqa: E402  (bench/search/run.py)

TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def measure(backend: str, queries: list[str], runs: int) -> dict[str, tuple[float, float]]:
    from sqlalchemy import text

    from cop import create_app
    from cop.accounts.models import User
    from cop.extensions import db
    from cop.search.backend import search

    app = create_app({"COP_SEARCH_BACKEND": backend, "COP_SEARCH_LIMIT": "100000 per minute"})
    member_id = prepare(app)["member_id"]
    found = {}
    with app.test_request_context():
        member = db.session.get(User, member_id)
        for q in queries:
            search(member, q)
            pid = db.session.scalar(text("SELECT pg_backend_pid()"))
            database, own = process_cpu(pid), time.process_time()
            for _ in range(runs):
                search(member, q)
            found[q] = (
                (process_cpu(pid) - database) / runs * 1000,
                (time.process_time() - own) / runs * 1000,
            )
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("queries", nargs="*", default=[qs[0] for qs in QUERIES.values()])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"{'query':<16} {'backend':<9} {'database ms':>12} {'cop ms':>8} {'total':>7}")
    for backend in ("whoosh", "postgres"):
        for q, (database, own) in measure(backend, args.queries, args.runs).items():
            print(f"{q:<16} {backend:<9} {database:>12.1f} {own:>8.1f} {database + own:>7.1f}")


if __name__ == "__main__":
    main()
