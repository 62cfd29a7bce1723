"""Search at 100,000 posts: index build time and size, and query latency with the
permission filter and highlighted snippets, as a member who may read part of the spaces.

    $VENV/bin/python bench/forum/populate.py /tmp/cop-search-bench --force   # once, ~2 min
    $VENV/bin/python bench/search/run.py /tmp/cop-search-bench [--skip-build]

The corpus is bench/forum's: the FlaskBB anchor's text generator with the same seed (2,000
discussions, 100,000 posts, 20 forums, Ukrainian with English; "квазарний" planted in 3
posts), so the common-word query "python" is the one FlaskBB took ~11 s for. Here 10 of
the 20 forums are made members-only and the bench member belongs to 2 of them: the
filter allows 12 of 20 spaces. Each query runs once to warm up, then ROUNDS times, each
time as a whole `cop.search.querying.search` call (outbox check, the user's scope: its
counter read, the Q&A part queried, filter, top 10, snippets), once without facets and
once with them (as the page and API serve it), and once more without facets with the
process's decoded-postings cache emptied before every call (cold: every term read and
decoded from the index).
Writes bench/search/results/results.json and prints a table.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QUERIES = {
    "common": ["python", "сервер", "помилка", "форум", "запит"],
    "rare": ["квазарний", "квазарного"],
    "two words": ["сервер помилка", "python flask", "кеш сесія", "база запит"],
    "phrase": ['"база даних"', '"резервна копія"', '"будь ласка"'],
    "prefix": ["налашт*", "оновл*", "конфіг*", "сертиф*"],
}
ROUNDS = 10


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def prepare(app) -> dict:
    """The bench's permissions: 10 of the 20 forums members-only, the bench member in 2 of
    them (so it reads 12). Idempotent."""
    from sqlalchemy import select, update

    from cop.accounts.models import Role, User
    from cop.extensions import db
    from cop.spaces.models import Space, SpaceMembership, Visibility

    with app.app_context():
        spaces = list(db.session.scalars(select(Space.id).order_by(Space.id)))
        closed = spaces[10:]
        db.session.execute(
            update(Space).where(Space.id.in_(closed)).values(visibility=Visibility.MEMBERS)
        )
        member_id = db.session.scalar(select(User.id).where(User.role == Role.MEMBER).limit(1))
        db.session.execute(
            SpaceMembership.__table__.delete().where(SpaceMembership.user_id == member_id)
        )
        db.session.add_all(SpaceMembership(space_id=s, user_id=member_id) for s in closed[:2])
        db.session.commit()
    return {"member_id": member_id, "readable_spaces": f"{10 + 2} of {len(spaces)}"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance", nargs="?", default="/tmp/cop-search-bench")
    ap.add_argument("--skip-build", action="store_true")
    args = ap.parse_args()
    os.environ["COP_INSTANCE_PATH"] = os.path.abspath(args.instance)
    os.environ.setdefault("COP_SECRET_KEY", "search-bench-not-secret")

    from cop import create_app
    from cop.accounts.models import User
    from cop.extensions import db
    from cop.search import indexer
    from cop.search.index import state
    from cop.search.querying import search

    app = create_app()

    def forget_postings() -> None:
        """Cold: no term's decoded postings kept from earlier searches."""
        st = state()
        with st.lock:
            st.postings.clear()
            st.postings_size = 0

    out = {"posts": None}
    prepared = prepare(app)
    member_id = prepared["member_id"]
    with app.app_context():
        out["posts"] = indexer.count_documents()
        if not args.skip_build:
            started = time.perf_counter()
            indexer.rebuild()
            out["build_seconds"] = round(time.perf_counter() - started, 1)
        path = app.instance_path + "/search"
        size = subprocess.run(["du", "-sm", path], capture_output=True, text=True).stdout
        out["index_mb"] = int(size.split()[0])
        out["readable_spaces"] = prepared["readable_spaces"]
        indexer.drain()

    results = {}
    with app.test_request_context():
        member = db.session.get(User, member_id)
        for mode in ("", " + facets", " (cold postings)"):
            for kind, queries in QUERIES.items():
                times, totals = [], []
                for q in queries:
                    found = search(member, q, facets=mode == " + facets")  # warm-up
                    totals.append(found.total)
                    assert len(found.hits) == min(found.total, 10)
                    for _ in range(ROUNDS):
                        if mode == " (cold postings)":
                            forget_postings()
                        started = time.perf_counter()
                        search(member, q, facets=mode == " + facets")
                        times.append((time.perf_counter() - started) * 1000)
                results[f"{kind}{mode}"] = {
                    "p50_ms": round(statistics.median(times), 2),
                    "p95_ms": round(percentile(times, 95), 2),
                    "max_ms": round(max(times), 2),
                    "queries": queries,
                    "matches": totals,
                }
    out["latency"] = results
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "results.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print(json.dumps({k: v for k, v in out.items() if k != "latency"}, ensure_ascii=False))
    print("| query | p50 ms | p95 ms | matches |")
    print("|---|---:|---:|---|")
    for name, r in results.items():
        print(f"| {name} | {r['p50_ms']} | {r['p95_ms']} | {r['matches']} |")


if __name__ == "__main__":
    sys.exit(main())
