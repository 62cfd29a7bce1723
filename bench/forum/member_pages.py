"""In-process CPU per request of the signed-in member's pages, for before/after pairs.

    COP_INSTANCE_PATH=/tmp/bench-h5 taskset -c 1 $VENV/bin/python bench/forum/member_pages.py \
        --vars /tmp/bench-h5/populate.json --n 40 --rounds 3

Each round measures every page once (--n requests after two warm-up requests,
time.process_time, no profiler), as the member user0001 signed in through the form, with
the guest page cache off, and the garbage collector set as `cop run`'s worker sets it.
Prints min / median over the rounds. To compare two trees, run
it with PYTHONPATH pointing at each (e.g. a `git archive` of the base) alternately: the
load of a shared machine moves single runs by tens of percent, ratios within a run less.
"""

import argparse
import cProfile
import gc
import json
import pstats
import statistics
import time

from profile_pages import bench_app, member_client


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vars", default="/tmp/cop-forum-bench/populate.json")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--calls", action="store_true",
                    help="also count Python function calls per request (cProfile, 10 "
                         "requests): a measure of work that the machine's load leaves alone")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    v, app = bench_app(args.vars)

    member, guest = member_client(app), app.test_client()
    # As cop/gunicorn_conf.py's worker does once the app is loaded: without it, collections
    # of the whole loaded app land in random requests (2-3 ms of some pages here).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    disc = f"/discussions/{v['hot_discussion_id']}"
    pages = [
        ("member: discussion_hot page 1", member, disc),
        ("member: discussion_hot ?mode=oldest", member, disc + "?mode=oldest"),
        ("member: forum_hot", member, f"/spaces/{v['hot_forum_id']}"),
        ("member: dashboard", member, "/"),
        ("guest: discussion_hot page 1", guest, disc),
        ("guest: discussion_hot ?mode=oldest", guest, disc + "?mode=oldest"),
        ("guest: forum_hot", guest, f"/spaces/{v['hot_forum_id']}"),
    ]
    runs = {title: [] for title, _c, _p in pages}
    for _ in range(args.rounds):
        for title, client, path in pages:
            client.get(path)
            client.get(path)
            t0 = time.process_time()
            for _ in range(args.n):
                r = client.get(path)
                assert r.status_code == 200, (path, r.status_code)
            runs[title].append((time.process_time() - t0) / args.n * 1000)
    result = {t: {"min": round(min(ms), 2), "median": round(statistics.median(ms), 2)}
              for t, ms in runs.items()}
    if args.calls:
        for title, client, path in pages:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(10):
                client.get(path)
            profile.disable()
            result[title]["calls"] = round(pstats.Stats(profile).total_calls / 10)
    for t, r in result.items():
        calls = f"  {r['calls']:7d} calls" if "calls" in r else ""
        print(f"  {r['min']:7.2f} / {r['median']:7.2f} ms{calls}  {t}")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
