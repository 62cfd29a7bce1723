"""Where a guest request's CPU goes on the hot discussion page and the forum page.

    COP_INSTANCE_PATH=/tmp/cop-forum-bench $VENV/bin/python bench/forum/profile_pages.py \
        --vars bench/forum/results/populate.json --n 50 [--out bench/forum/results/profile.json]

1. In-process CPU per request (time.process_time over --n test-client requests, no
   profiler) for each page, as a guest with the guest page cache off (every request
   renders), as a guest served from the cache, and as a signed-in member (user0001,
   logged in through the form), plus a *what-if* monkeypatched in this process only
   (cop's files are not touched): the forum page at 10 rows (FlaskBB's page size).
2. cProfile over --n requests of each page as shipped, as a guest (cache off) and as the
   member:
   time grouped into buckets (template rendering, SQL execution, ORM row loading,
   policy.can, url_for, gettext) and the top functions by own time.
"""

import argparse
import cProfile
import json
import os
import pstats
import time
from contextlib import contextmanager

CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + "/"


def cpu_per_request(client, path, n):
    client.get(path)
    client.get(path)
    t0 = time.process_time()
    for _ in range(n):
        r = client.get(path)
        assert r.status_code in (200, 404), (path, r.status_code)
    return (time.process_time() - t0) / n, len(r.data)


# function matchers: (bucket, path fragment, function name or None for any)
BUCKETS = [
    ("flask.render_template (whole template incl. everything called from it)",
     "flask/templating.py", "render_template"),
    ("policy.can (all callers)", "cop/policy.py", "can"),
    ("SQL: sqlite3 cursor.execute (C)", "~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
    ("SQL: sqlite3 fetchall/fetchmany (C)", "~", "<method 'fetchall' of 'sqlite3.Cursor' objects>"),
    ("SQLAlchemy Session.execute (compile+execute+result setup)", "sqlalchemy/orm/session.py",
     "execute"),
    ("SQLAlchemy ORM row loading (loading.instances)", "sqlalchemy/orm/loading.py", "instances"),
    ("cop.discussions.queries.load_thread", "cop/discussions/queries.py", "load_thread"),
    ("cop.discussions.queries.list_discussions", "cop/discussions/queries.py", "list_discussions"),
    ("babel format_datetime (| datetime filter)", "flask_babel/__init__.py", "format_datetime"),
    ("flask url_for", "flask/app.py", "url_for"),
    ("gettext (_)", "flask_babel/__init__.py", "gettext"),
    ("csrf_token() / generate_csrf", "flask_wtf/csrf.py", "generate_csrf"),
    ("markupsafe escape", "markupsafe/__init__.py", "escape"),
    ("SQLAlchemy instrumented attribute reads (InstrumentedAttribute.__get__)",
     "sqlalchemy/orm/attributes.py", "__get__"),
    ("cop.labels.label", "cop/labels.py", "label"),
]


def bucketize(stats, n):
    out = []
    for title, frag, fn in BUCKETS:
        ct = tt = calls = 0
        for (path, _line, func), (_cc, nc, t_own, t_cum, _callers) in stats.stats.items():
            if frag in path and func == fn:
                ct += t_cum
                tt += t_own
                calls += nc
        out.append({"bucket": title, "cum_ms_per_req": round(ct / n * 1000, 2),
                    "calls_per_req": round(calls / n, 1)})
    return out


def top(stats, n, key, k=25):
    rows = []
    for (path, line, func), (_cc, nc, t_own, t_cum, _callers) in stats.stats.items():
        where = path.split("site-packages/")[-1].split(CHECKOUT)[-1]
        rows.append({"func": f"{where}:{line}({func})",
                     "own_ms_per_req": round(t_own / n * 1000, 3),
                     "cum_ms_per_req": round(t_cum / n * 1000, 3),
                     "calls_per_req": round(nc / n, 1)})
    rows.sort(key=lambda r: r[key], reverse=True)
    return rows[:k]


@contextmanager
def forum_rows(n):
    from cop.spaces import views

    orig = views.PER_PAGE
    views.PER_PAGE = n
    try:
        yield
    finally:
        views.PER_PAGE = orig


@contextmanager
def nothing():
    yield


def member_client(app, email="user0001@example.org", password="benchpass"):
    """A test client signed in through the login form (CSRF token included)."""
    import re

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert r.status_code == 302, r.status_code
    return client


def bench_app(vars_path: str):
    """populate.json's values and an app over its instance with the guest page cache off
    (every request renders): what each of this folder's in-process benches starts with."""
    with open(vars_path) as fh:
        v = json.load(fh)
    os.environ.setdefault("COP_INSTANCE_PATH", v["instance"])
    os.environ.setdefault("COP_SECRET_KEY", "forum-bench-not-secret")

    from cop import create_app

    return v, create_app({"COP_GUEST_CACHE_MB": 0})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vars", default="/tmp/cop-forum-bench/populate.json")
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    v, app = bench_app(args.vars)

    from cop import create_app

    cached = create_app().test_client()  # the guest page cache on, as served
    guest, member = app.test_client(), member_client(app)
    disc = f"/discussions/{v['hot_discussion_id']}"
    forum = f"/spaces/{v['hot_forum_id']}"

    result = {"n": args.n, "cpu_ms_per_request": {}, "profiles": {}}
    variants = [
        ("discussion_hot page 1 (nested: first post + 10 branches)", guest, disc, nothing()),
        ("discussion_hot ?mode=oldest (20 posts)", guest, disc + "?mode=oldest", nothing()),
        ("discussion_hot ?mode=oldest&page=10 (the last 20 posts)", guest,
         disc + "?mode=oldest&page=10", nothing()),
        ("forum_hot (as shipped: 50 rows)", guest, forum, nothing()),
        ("forum_hot, what-if 10 rows (FlaskBB's page size)", guest, forum, forum_rows(10)),
        ("dashboard", guest, "/", nothing()),
        ("404 page (per-request floor: 1 query + error template)", guest,
         "/discussions/999999", nothing()),
        ("guest cache hit: discussion_hot", cached, disc, nothing()),
        ("guest cache hit: forum_hot", cached, forum, nothing()),
        ("member: discussion_hot page 1", member, disc, nothing()),
        ("member: forum_hot (50 rows)", member, forum, nothing()),
        ("member: dashboard", member, "/", nothing()),
    ]
    print(f"In-process CPU per request, test client, {args.n} requests each:")
    for title, client, path, ctx in variants:
        with ctx:
            cpu, size = cpu_per_request(client, path, args.n)
        result["cpu_ms_per_request"][title] = {"ms": round(cpu * 1000, 2), "bytes": size}
        print(f"  {cpu * 1000:7.2f} ms  {size:7d} B  {title}")

    pages = {"discussion_hot": (guest, disc), "forum_hot": (guest, forum),
             "member:discussion_hot": (member, disc), "member:forum_hot": (member, forum)}
    for name, (client, path) in pages.items():
        client.get(path)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.n):
            client.get(path)
        prof.disable()
        stats = pstats.Stats(prof)
        total = sum(t_own for (_cc, _nc, t_own, _ct, _c) in stats.stats.values())
        entry = {"profiled_ms_per_req": round(total / args.n * 1000, 2),
                 "buckets": bucketize(stats, args.n),
                 "top_own": top(stats, args.n, "own_ms_per_req"),
                 "top_cum": top(stats, args.n, "cum_ms_per_req", 40)}
        result["profiles"][name] = entry
        print(f"\n== {name} {path}: {entry['profiled_ms_per_req']} ms/request under cProfile")
        for b in entry["buckets"]:
            print(f"  {b['cum_ms_per_req']:8.2f} ms  {b['calls_per_req']:8.1f} calls  "
                  f"{b['bucket']}")
        print("  top by own time:")
        for r in entry["top_own"][:18]:
            print(f"  {r['own_ms_per_req']:8.3f} ms own {r['cum_ms_per_req']:8.2f} cum "
                  f"{r['calls_per_req']:8.1f} calls  {r['func']}")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
