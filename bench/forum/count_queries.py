"""SQL statements per page for cop's forum pages, as a guest (run with the venv cop is installed in).

    COP_INSTANCE_PATH=/tmp/cop-forum-bench $VENV/bin/python bench/forum/count_queries.py \
        --vars bench/forum/results/populate.json [--out bench/forum/results/queries.json]

Same method as the anchor's count_queries.py: Flask test client, a SQLAlchemy
`before_cursor_execute` listener on cop's engine, each page requested once to warm up
and measured on the second request. Statements are grouped by normalised text so an
N+1 pattern shows up as one statement with a high count. Guest only (the anchor's
comparison point); a member's page would add the policy facts and read-mark queries.
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

    pages = [
        ("discussion_hot", f"/discussions/{v['hot_discussion_id']}"),
        ("discussion_hot_oldest", f"/discussions/{v['hot_discussion_id']}?mode=oldest"),
        ("forum_hot", f"/spaces/{v['hot_forum_id']}"),
        ("forum_hot_p2", f"/spaces/{v['hot_forum_id']}?page=2"),
        ("dashboard", "/"),
    ]
    results = {}
    client = app.test_client()
    for name, path in pages:
        client.get(path)  # warm-up
        stmts.clear()
        t0 = time.perf_counter()
        r = client.get(path)
        dt = time.perf_counter() - t0
        norm = collections.Counter(re.sub(r"\s+", " ", s).strip()[:160] for s in stmts)
        kinds = collections.Counter(s.lstrip().split(None, 1)[0].upper() for s in stmts)
        results[f"guest:{name}"] = {
            "path": path, "status": r.status_code, "bytes": len(r.data),
            "queries": len(stmts), "by_kind": dict(kinds),
            "seconds_test_client": round(dt, 4),
            "statements": norm.most_common(),
        }
        print(f"guest  {name:22s} status={r.status_code} queries={len(stmts):3d} "
              f"{dict(kinds)} {dt*1000:.1f} ms {len(r.data)} B")
        for s, n in norm.most_common():
            print(f"    {n:3d} x {s}")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(results, fh, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
