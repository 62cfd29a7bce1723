"""SQL statements per page for cop's forum pages, as a guest (run with cop's own venv).

    COP_INSTANCE_PATH=/tmp/cop-forum-bench $VENV/bin/python bench/forum/count_queries.py \
        --vars bench/forum/results/populate.json [--out bench/forum/results/queries.json]

Same method as the anchor's count_queries.py: Flask test client, a SQLAlchemy
`before_cursor_execute` listener on cop's engine, each page requested once to warm up
and measured on the second request. Statements are grouped by normalised text so an
N+1 pattern shows up as one statement with a high count. As a guest with the guest page
cache off (with it on, a repeated guest request runs no statement through SQLAlchemy,
only the one-row generation read on the cache's own connection) and as a signed-in
member (user0001, through the login form), whose pages add the policy facts, the
user's reactions, read mark and revisions.
"""

import argparse
import collections
import json
import os
import re
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vars", default="/tmp/cop-forum-bench/populate.json")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    with open(args.vars) as fh:
        v = json.load(fh)
    os.environ.setdefault("COP_INSTANCE_PATH", v["instance"])
    os.environ.setdefault("COP_SECRET_KEY", "forum-bench-not-secret")
    os.environ["COP_GUEST_CACHE_MB"] = "0"

    from sqlalchemy import event

    from cop import create_app
    from cop.extensions import db

    app = create_app()
    stmts = []
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        stmts.append(statement)

    disc = f"/discussions/{v['hot_discussion_id']}"
    pages = [
        ("discussion_hot", disc),
        ("discussion_hot_p9", f"{disc}?page=9"),
        ("discussion_hot_oldest", f"{disc}?mode=oldest"),
        ("discussion_hot_oldest_p10", f"{disc}?mode=oldest&page=10"),
        ("forum_hot", f"/spaces/{v['hot_forum_id']}"),
        ("forum_hot_p2", f"/spaces/{v['hot_forum_id']}?page=2"),
        ("dashboard", "/"),
    ]
    results = {}
    guest = app.test_client()
    member = app.test_client()
    page = member.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    member.post("/login", data={"email": "user0001@example.org", "password": "benchpass",
                                "csrf_token": token})
    for who, client, name, path in [("guest", guest, *p) for p in pages] + [
        ("member", member, *p) for p in pages
    ]:
        client.get(path)  # warm-up
        stmts.clear()
        t0 = time.perf_counter()
        r = client.get(path)
        dt = time.perf_counter() - t0
        norm = collections.Counter(re.sub(r"\s+", " ", s).strip()[:160] for s in stmts)
        kinds = collections.Counter(s.lstrip().split(None, 1)[0].upper() for s in stmts)
        results[f"{who}:{name}"] = {
            "path": path, "status": r.status_code, "bytes": len(r.data),
            "queries": len(stmts), "by_kind": dict(kinds),
            "seconds_test_client": round(dt, 4),
            "statements": norm.most_common(),
        }
        print(f"{who:6s} {name:26s} status={r.status_code} queries={len(stmts):3d} "
              f"{dict(kinds)} {dt*1000:.1f} ms {len(r.data)} B")
        for s, n in norm.most_common():
            print(f"    {n:3d} x {s}")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(results, fh, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
