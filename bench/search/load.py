"""Search while the site is busy, over HTTP as `cop run` serves it: the bench member of
run.py (reads 12 of 20 spaces) searches through the API with a token while a second
client replies once a second through the API.

    $VENV/bin/python bench/search/load.py /tmp/cop-search-bench [--seconds 30] [--port 7150]
        [--tree PATH] [--out bench/search/results/load.json]

Four phases of `--seconds` each, the five query pools of run.py taken in turn:
- quiet, keep-alive: no writes, one connection for all searches;
- quiet, fresh connections: no writes, a new connection per search;
- writes, keep-alive and writes, fresh connections: the same while a second client (its
  own thread and connection) posts a reply every second.
In the write phases the first search sent after each reply was answered is counted apart
("first after a write"): the index has a new generation then (the search drains the
outbox itself unless the server's indexer is at it). `--tree` serves another checkout's
code (PYTHONPATH) on the same instance: the anchor run of the same load.
Writes bench/search/results/load.json (or --out) and prints a table.
"""

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import QUERIES, percentile, prepare  # noqa: E402

WRITE_EVERY = 1.0


def tokens(app, member_id: int) -> tuple[str, str, int]:
    """API tokens for the searching member and for a writer, and a public discussion."""
    from sqlalchemy import select

    from cop.accounts.models import AccessToken, Role, User
    from cop.accounts.service import TOKEN_PREFIX, _hash_token
    from cop.discussions.models import Discussion
    from cop.extensions import db
    from cop.spaces.models import Space, Visibility

    with app.app_context():
        writer = db.session.scalar(
            select(User).where(User.role == Role.MEMBER, User.id != member_id).limit(1)
        )
        raws = []
        for user_id in (member_id, writer.id):
            raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
            db.session.add(AccessToken(user_id=user_id, name="bench", token_hash=_hash_token(raw)))
            raws.append(raw)
        public = select(Space.id).where(Space.visibility == Visibility.PUBLIC)
        target = db.session.scalar(
            select(Discussion.id).where(Discussion.space_id.in_(public)).limit(1)
        )
        db.session.commit()
    return raws[0], raws[1], target


def start_server(instance: str, port: int, tree: str | None) -> subprocess.Popen:
    env = dict(
        os.environ,
        COP_INSTANCE_PATH=instance,
        COP_SEARCH_LIMIT="1000000 per second",
        COP_POST_LIMIT="1000 per minute",
    )
    if tree:
        env["PYTHONPATH"] = tree
    cop = os.path.join(os.path.dirname(sys.executable), "cop")
    server = subprocess.Popen(
        [cop, "run", "--port", str(port)],
        env=env,
        cwd=tree or os.getcwd(),
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(instance, "load-server.log"), "w"),  # noqa: SIM115
    )
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/search?q=")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def writer(port: int, token: str, discussion_id: int, stop: threading.Event, written) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    n = 0
    while not stop.is_set():
        started = time.perf_counter()
        n += 1
        body = json.dumps({"body": f"Відповідь {n}: сервер і база даних, python та кеш."})
        conn.request("POST", f"/api/v1/discussions/{discussion_id}/posts", body, headers)
        response = conn.getresponse()
        response.read()
        assert response.status == 201, response.status
        written.set()
        stop.wait(max(0.0, WRITE_EVERY - (time.perf_counter() - started)))


def phase(port: int, token: str, seconds: float, fresh: bool, writes: dict | None) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    pools = [(kind, q) for kind, queries in QUERIES.items() for q in queries]
    times: dict[str, list[float]] = {kind: [] for kind in QUERIES}
    first: list[float] = []
    conn = None
    stop, written = threading.Event(), threading.Event()
    thread = None
    if writes is not None:
        thread = threading.Thread(
            target=writer, args=(port, writes["token"], writes["discussion"], stop, written)
        )
        thread.start()
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        kind, q = pools[i % len(pools)]
        i += 1
        after_write = written.is_set()
        written.clear()
        started = time.perf_counter()
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": q}), headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status == 200, (q, response.status)
        (first if after_write and writes is not None else times[kind]).append(elapsed)
    stop.set()
    if thread is not None:
        thread.join()
    conn.close()

    def stats(values: list[float]) -> dict:
        return {
            "n": len(values),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 95), 1),
            "max_ms": round(max(values), 1),
        }

    out = {kind: stats(values) for kind, values in times.items() if values}
    if first:
        out["first after a write"] = stats(first)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance", nargs="?", default="/tmp/cop-search-bench")
    ap.add_argument("--port", type=int, default=7150)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--tree", help="serve this checkout's code instead (the anchor)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "load.json"))
    args = ap.parse_args()
    instance = os.path.abspath(args.instance)
    os.environ["COP_INSTANCE_PATH"] = instance
    os.environ.setdefault("COP_SECRET_KEY", "search-bench-not-secret")

    from cop import create_app

    app = create_app()
    member_id = prepare(app)["member_id"]
    member, writer_token, discussion = tokens(app, member_id)
    server = start_server(instance, args.port, args.tree)
    writes = {"token": writer_token, "discussion": discussion}
    out = {"tree": args.tree or "this checkout", "seconds": args.seconds, "load": {}}
    try:
        phase(args.port, member, 5, fresh=False, writes=None)  # warm-up: every query once
        for name, fresh, w in (
            ("quiet, keep-alive", False, None),
            ("quiet, fresh connections", True, None),
            ("writes, keep-alive", False, writes),
            ("writes, fresh connections", True, writes),
        ):
            out["load"][name] = phase(args.port, member, args.seconds, fresh, w)
            out["load"][name]["loadavg"] = os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=30)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    rows = sorted({k for r in out["load"].values() for k in r if k != "loadavg"})
    print("| query | " + " | ".join(out["load"]) + " |")
    print("|---|" + "---:|" * len(out["load"]))
    for row in rows:
        cells = [
            f"{r[row]['p50_ms']} / {r[row]['p95_ms']} ({r[row]['n']})" if row in r else "–"
            for r in out["load"].values()
        ]
        print(f"| {row} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
