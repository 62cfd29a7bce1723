"""The member's discussion page viewed again (what it keeps is used) and viewed right after
a write by someone else (everything worked out afresh), in process.

    COP_INSTANCE_PATH=/tmp/h1-bench taskset -c 1 $VENV/bin/python \
        bench/forum/discussion_afresh.py --vars /tmp/h1-bench/populate.json --n 20

As member_pages.py (test client, user0001 signed in through the form, guest page cache
off, the worker's GC settings), for the hot discussion's nested page 1 and `?mode=oldest`:
CPU per request (time.process_time, no profiler) and Python calls per request (cProfile
over --n requests). "After a write": before each request, outside what is measured, the
page generation is moved as any committed write moves it (cop/guest_cache.py), so every
kept part and count is worked out again. The forum page, viewed again, is the anchor.
"""

import argparse
import cProfile
import gc
import pstats
import time

from profile_pages import bench_app, member_client


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vars", default="/tmp/cop-forum-bench/populate.json")
    ap.add_argument("--n", type=int, default=20)
    args = ap.parse_args()
    v, app = bench_app(args.vars)

    from sqlalchemy import text

    from cop.extensions import db

    member = member_client(app)
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)

    def write():
        with app.app_context():
            db.session.execute(text("UPDATE page_generation SET value = value + 1 WHERE id = 1"))
            db.session.commit()

    def measure(path, afresh):
        member.get(path)
        member.get(path)
        cpu, profile = 0.0, cProfile.Profile()
        for profiled in (False, True):
            for _ in range(args.n):
                if afresh:
                    write()
                if profiled:
                    profile.enable()
                t0 = time.process_time()
                assert member.get(path).status_code == 200
                if not profiled:
                    cpu += time.process_time() - t0
                profile.disable()
        return cpu / args.n * 1000, pstats.Stats(profile).total_calls / args.n

    disc = f"/discussions/{v['hot_discussion_id']}"
    forum = f"/spaces/{v['hot_forum_id']}"
    for title, path, afresh in [
        ("forum page, again (the anchor)", forum, False),
        ("discussion page 1 (nested), again", disc, False),
        ("discussion page 1 (nested), after a write", disc, True),
        ("?mode=oldest, again", disc + "?mode=oldest", False),
        ("?mode=oldest, after a write", disc + "?mode=oldest", True),
    ]:
        ms, calls = measure(path, afresh)
        print(f"  {ms:7.2f} ms  {calls:8.0f} calls  {title}")


if __name__ == "__main__":
    main()
