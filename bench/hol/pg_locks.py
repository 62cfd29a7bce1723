"""Row-lock waits on PostgreSQL while a command runs (a figure that does not depend on the
machine's load: how many transactions waited for a row another held, and how long).

    python bench/hol/pg_locks.py --out locks.json -- python bench/hol/run.py ... --only heavy

Samples `pg_locks` with `pg_stat_activity` every 50 ms (COP_DATABASE_URL's database) while
the command runs: each lock not granted on a row (locktype `transactionid` or `tuple`) is a
wait, known by its backend and `waitstart`; its length is the last sample's time less
`waitstart` (so a wait shorter than the interval may be missed or counted short). Prints
one JSON object: the waits, the longest, how many backends waited at once at most, the
waits by statement, and at most how many transactions were "idle in transaction" at once
(holding what they hold while their process does something else).
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

INTERVAL = 0.05
WAITS = """
SELECT l.pid, l.waitstart, now(), left(regexp_replace(a.query, '\\s+', ' ', 'g'), 60)
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE NOT l.granted AND l.locktype IN ('transactionid', 'tuple')
  AND a.datname = current_database() AND l.waitstart IS NOT NULL
"""
IDLE = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND state = 'idle in transaction'
"""


def sample(url: str, stop: threading.Event) -> dict:
    waits: dict[tuple, tuple[float, str]] = {}  # (pid, waitstart) -> (seconds, statement)
    most_waiting = most_idle = samples = 0
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.is_set():
            rows = conn.execute(WAITS).fetchall()
            idle = conn.execute(IDLE).fetchone()[0]
            samples += 1
            most_waiting = max(most_waiting, len({pid for pid, *_ in rows}))
            most_idle = max(most_idle, idle)
            for pid, started, now, statement in rows:
                waits[(pid, started)] = ((now - started).total_seconds(), statement)
            time.sleep(INTERVAL)
    by_statement: dict[str, list[float]] = {}
    for seconds, statement in waits.values():
        by_statement.setdefault(statement, []).append(seconds)
    lengths = sorted(seconds for seconds, _ in waits.values())
    return {
        "samples": samples,
        "row_lock_waits": len(lengths),
        "longest_wait_ms": round(1000 * lengths[-1]) if lengths else 0,
        "waits_over_100ms": sum(1 for s in lengths if s > 0.1),
        "waits_over_1s": sum(1 for s in lengths if s > 1),
        "most_backends_waiting_at_once": most_waiting,
        "most_idle_in_transaction_at_once": most_idle,
        "by_statement": {
            statement: {"waits": len(s), "longest_ms": round(1000 * max(s))}
            for statement, s in sorted(by_statement.items(), key=lambda kv: -len(kv[1]))
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    url = os.environ["COP_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    stop, found = threading.Event(), {}
    sampler = threading.Thread(target=lambda: found.update(sample(url, stop)))
    sampler.start()
    try:
        code = subprocess.call(command)
    finally:
        stop.set()
        sampler.join()
    found["command"] = " ".join(command)
    text = json.dumps(found, indent=1, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(text)
    print(text)
    sys.exit(code)


if __name__ == "__main__":
    main()
