"""Issue 17: a change to a whole space while clients read pages. On a 20,000-post instance
served by `cop run` (its default: one worker per core, the embedded redis-server, one
`cop worker`), four guest clients fetch discussion pages for BASELINE seconds (the anchor,
same run), then the largest forum is moved to another thematic platform and made
members-only in one commit (the platform is in every post's index document: all its posts
are indexed again; the visibility is not, it changes who may read them), and the clients
go on until the outbox is empty and SETTLE seconds more. Reports the latency of each
phase, the longest request, and whether any serving worker was replaced (killed).

    $VENV/bin/python bench/forum/populate.py /tmp/cop_h4_bench --topics 400 \\
        --posts 20000 --forums 4 --workers 1 --force      # once
    $VENV/bin/python bench/serving/reindex.py /tmp/cop_h4_bench [--port 4150]

Writes bench/serving/results/reindex.json.
"""

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
COP = [sys.executable, "-c", "from cop.cli import main; main()"]
CLIENTS = 4
BASELINE = 20.0
SETTLE = 5.0


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"gunicorn" in cmdline:
                found.add(int(entry.name))
    return found


class Clients:
    """Guest clients fetching random discussion pages; each request's (start, seconds)."""

    def __init__(self, url: str, discussions: list[int]):
        self.url, self.discussions = url, discussions
        self.samples: list[tuple[float, float, int]] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(CLIENTS)]
        for thread in self.threads:
            thread.start()

    def _run(self, n: int) -> None:
        rng = random.Random(n)
        while not self.stop.is_set():
            page = f"{self.url}/discussions/{rng.choice(self.discussions)}?page={rng.randint(1, 3)}"
            started = time.monotonic()
            try:
                with urllib.request.urlopen(page, timeout=60) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            self.samples.append((started, time.monotonic() - started, status))

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def summary(samples: list[tuple[float, float, int]]) -> dict:
    times = sorted(seconds * 1000 for _, seconds, _ in samples)
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 1),
        "max_ms": round(times[-1], 1),
        "over_1s": sum(1 for t in times if t > 1000),
        # 404: a page number past a short discussion's last page; 0: no answer in 60 s
        "statuses": dict(Counter(str(status) for _, _, status in samples)),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance")
    ap.add_argument("--port", type=int, default=4150)
    args = ap.parse_args()
    instance = Path(args.instance).resolve()
    env = {**os.environ, "COP_INSTANCE_PATH": str(instance), "COP_LOG_REQUESTS": "0"}
    env.pop("COP_DATABASE_URL", None)
    db = sqlite3.connect(instance / "cop.sqlite")
    if not (instance / "search").exists():
        print("indexing the corpus once (cop search rebuild) …", flush=True)
        subprocess.run([*COP, "search", "rebuild"], env=env, check=True, capture_output=True)
    space, posts = db.execute(
        "SELECT d.space_id, count(*) FROM post p JOIN discussion d ON p.discussion_id = d.id "
        "GROUP BY d.space_id ORDER BY 2 DESC LIMIT 1"
    ).fetchone()
    others = [
        row[0] for row in db.execute("SELECT id FROM discussion WHERE space_id != ?", (space,))
    ]

    server = subprocess.Popen(
        [*COP, "run", "--port", str(args.port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{args.port}"
    try:
        startup = server.stdout.readline().strip()
        print(startup, flush=True)
        workers_before = children(server.pid)
        clients = Clients(url, others)  # pages that stay public throughout
        time.sleep(BASELINE)
        changed_at = time.monotonic()
        change = subprocess.run(
            [sys.executable, str(HERE / "change_space.py"), str(space)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        changed = time.monotonic()
        drained = None
        while drained is None or time.monotonic() < drained + SETTLE:
            time.sleep(0.2)
            if drained is None:
                waiting = db.execute("SELECT count(*) FROM search_outbox").fetchone()[0]
                if waiting == 0:
                    drained = time.monotonic()
        clients.finish()
        workers_after = children(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    before = [s for s in clients.samples if s[0] < changed_at]
    during = [s for s in clients.samples if changed_at <= s[0] < drained]
    result = {
        "startup": startup,
        "space_posts": posts,
        "change": change.stdout.strip(),
        "change_process_seconds": round(changed - changed_at, 1),
        "indexed_within_s": round(drained - changed_at, 1),
        "baseline": summary(before),
        "while_indexing": summary(during),
        "workers_replaced": sorted(workers_before - workers_after),
    }
    out = HERE / "results" / "reindex.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
