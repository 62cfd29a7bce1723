"""The background rebuild of an outdated index (cop/search/upgrade.py) against its anchor,
`cop search rebuild` (one commit), on the same instance in the same run; and what weighing
an ambiguous word's readings (cop/search/readings.py) adds to a search.

    $VENV/bin/python bench/forum/populate.py /tmp/cop-h2-bench --posts 10000 --topics 200 --force
    $VENV/bin/python bench/search/upgrade.py /tmp/cop-h2-bench

Whoosh backend. Steps: (1) the anchor, `indexer.rebuild()`, timed; (2) the index made
outdated (its files renamed to an older version's name, as an upgrade finds them), then
`upgrade.step()` called until it switches, as `cop worker` does each pass: total time,
passes, the longest pass; (3) for ambiguous and unambiguous words, the exact-form
document-frequency lookups the weights cost (a count, machine-independent) and the
search's time with and without the weights (ratio in the same run). Writes
bench/search/results/upgrade.json.
"""

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
AMBIGUOUS = ["рік", "води", "дні", "старости", "гори", "брати", "мети", "люди", "поле"]
PLAIN = ["сервер", "форум", "помилка", "громада"]


def _outdate(folder: str) -> None:
    """Rename the current index's files to version 3's name: what an upgrade finds."""
    from cop.search import index

    for name in os.listdir(folder):
        if name.startswith((f"_{index.NAME}_", f"{index.NAME}_")):
            older = name.replace(index.NAME, "cop3")
            os.rename(os.path.join(folder, name), os.path.join(folder, older))


def _timed(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance", nargs="?", default="/tmp/cop-h2-bench")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    os.environ["COP_INSTANCE_PATH"] = os.path.abspath(args.instance)
    os.environ.setdefault("COP_SECRET_KEY", "search-bench-not-secret")

    from cop import create_app
    from cop.accounts.models import User
    from cop.extensions import db
    from cop.search import index, indexer, parse, querying, readings, upgrade

    app = create_app()
    out: dict = {"loadavg_start": round(os.getloadavg()[0], 2)}
    with app.test_request_context():
        started = time.perf_counter()
        documents = indexer.rebuild()
        out["anchor_rebuild_s"] = round(time.perf_counter() - started, 2)
        out["documents"] = documents
        index.forget()
        _outdate(str(index.state().path))
        index.forget()
        assert index.outdated()
        passes, longest = 0, 0.0
        started = time.perf_counter()
        while True:
            began = time.perf_counter()
            still = upgrade.step()
            longest = max(longest, time.perf_counter() - began)
            passes += 1
            if not still:
                break
        out["background_rebuild_s"] = round(time.perf_counter() - started, 2)
        out["passes"] = passes
        out["longest_pass_s"] = round(longest, 2)
        out["ratio_background_to_anchor"] = round(
            out["background_rebuild_s"] / out["anchor_rebuild_s"], 2
        )
        assert not indexer.check()

        member = db.session.get(User, 1)
        reader = index.searcher().reader()
        words = []
        for word in AMBIGUOUS + PLAIN:
            lookups = sum(len(forms) for forms in readings.telling_forms(word))
            weighed = _timed(lambda w=word: querying.search(member, w), args.rounds)
            weigh = readings.weights
            readings.weights = lambda w, _count: parse.unweighed(w)
            try:
                unweighed = _timed(lambda w=word: querying.search(member, w), args.rounds)
            finally:
                readings.weights = weigh
            weights = readings.weights(
                word, lambda forms: sum(reader.doc_frequency("exact", f) for f in forms)
            )
            words.append(
                {
                    "word": word,
                    "weights": [round(w, 3) for w in weights],
                    "lookups": lookups,
                    "ms_weighed": round(weighed, 1),
                    "ms_unweighed": round(unweighed, 1),
                }
            )
            print(json.dumps(words[-1], ensure_ascii=False), flush=True)
        out["words"] = words
    out["loadavg_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps({k: v for k, v in out.items() if k != "words"}), flush=True)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "upgrade.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    sys.exit(main())
