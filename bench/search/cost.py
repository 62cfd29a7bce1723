"""What a query's work costs: for queries of growing breadth (ORed common words, ORed
prefixes), the index terms and postings the search budget counts and the whole search's
time, as the bench member of run.py, with the budget lifted. The limits
COP_SEARCH_MAX_TERMS and COP_SEARCH_MAX_POSTINGS are chosen from this table (see
docs/benchmarks.md "Query cost").

    $VENV/bin/python bench/search/cost.py /tmp/cop-search-bench [--rounds 5]

Each query: once to warm up, then ROUNDS timed calls (warm: postings cached), and once
with the process's decoded-postings cache emptied first (cold). Writes
bench/search/results/cost.json.
"""

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import prepare  # noqa: E402

WORDS = ["python", "сервер", "помилка", "форум", "запит", "база", "кеш", "сесія", "flask"]
WORDS += ["дані", "код", "версія", "файл", "налаштування", "оновлення", "користувач"]
WORDS += ["система", "проблема", "питання", "відповідь"]
PREFIXES = ["нал*", "онов*", "кон*", "про*", "під*", "зап*", "сер*", "пом*", "баз*", "вер*"]
QUERIES = [
    "python",
    "python сервер",
    *(" OR ".join(WORDS[:n]) for n in (2, 5, 10)),  # 10 words and 9 ORs: 19 clauses of 20
    " ".join(WORDS[:20]),
    *(" OR ".join(PREFIXES[:n]) for n in (1, 2, 4, 10)),
    '"база даних" OR "резервна копія" OR сервер*',
]


def counts(member, q: str) -> tuple[int, int]:
    """The index terms and postings the search budget counts for q."""
    from cop.search import index
    from cop.search.collect import Matches
    from cop.search.permissions import allowed_docs
    from cop.search.querying import _parse
    from cop.search.scope import search_scope

    searcher = index.searcher()
    matches = Matches(searcher, allowed_docs(searcher, search_scope(member)))
    parsed, budget = _parse(matches, q)
    for field, text in set(parsed.query().iter_all_terms()):
        budget.spend(field, text)
    terms = sum(1 for _ in budget.paid)
    postings = sum(searcher.reader().doc_frequency(f, t) for f, t in budget.paid)
    return terms, postings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance", nargs="?", default="/tmp/cop-search-bench")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    os.environ["COP_INSTANCE_PATH"] = os.path.abspath(args.instance)
    os.environ.setdefault("COP_SECRET_KEY", "search-bench-not-secret")

    from cop import create_app
    from cop.accounts.models import User
    from cop.extensions import db
    from cop.search.index import state
    from cop.search.querying import search

    app = create_app()
    app.config.update(COP_SEARCH_MAX_TERMS=10**9, COP_SEARCH_MAX_POSTINGS=10**12)
    member_id = prepare(app)["member_id"]
    rows = []
    with app.test_request_context():
        member = db.session.get(User, member_id)
        for q in QUERIES:
            found = search(member, q)
            times = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                search(member, q)
                times.append((time.perf_counter() - started) * 1000)
            st = state()
            with st.lock:
                st.postings.clear()
                st.postings_size = 0
            started = time.perf_counter()
            search(member, q)
            cold = (time.perf_counter() - started) * 1000
            terms, postings = counts(member, q)
            rows.append(
                {
                    "query": q,
                    "terms": terms,
                    "postings": postings,
                    "matches": found.total,
                    "warm_p50_ms": round(statistics.median(times), 1),
                    "warm_max_ms": round(max(times), 1),
                    "cold_ms": round(cold, 1),
                    "loadavg": round(os.getloadavg()[0], 2),
                }
            )
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "cost.json"), "w") as f:
        json.dump(rows, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    sys.exit(main())
