#!/usr/bin/env python3
"""The same wrk runs as the anchor's measure.py, as a signed-in member (stdlib only).

    python3 bench/forum/measure_member.py bench/forum/plan_cop.json \
        --vars bench/forum/results/vars.json --only discussion_hot,forum_hot \
        --out bench/forum/results --tag r1

measure.py sends GET targets without cookies (guests). This script imports it by path,
unchanged, and uses its server start/stop, readiness check, quiet-CPU wait, CPU
accounting, wrk runner and result format; the only difference is that it first signs
in through the login form (user0001, CSRF token scraped) and has wrk send the session
cookie with every request (a Lua script setting the Cookie header). Results are written
as `<plan name>-member-<tag>.json`, so summarize.py lists them next to the guest runs.
"""

import argparse
import datetime
import http.cookiejar
import importlib.util
import json
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ANCHOR = os.environ.get("ANCHOR", "/work/shared/bench/flaskbb")


def load_measure():
    spec = importlib.util.spec_from_file_location("measure", os.path.join(ANCHOR, "measure.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sign_in(base, email, password) -> str:
    """The session cookie of a member signed in through the form."""
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    with opener.open(base + "/login", timeout=30) as r:
        page = r.read().decode("utf-8", "replace")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    try:
        opener.open(base + "/login", data=body.encode(), timeout=30)
        raise SystemExit("sign-in did not redirect: wrong credentials?")
    except urllib.error.HTTPError as e:  # the 302 after a successful sign-in
        if e.code != 302:
            raise SystemExit(f"sign-in answered {e.code}") from e
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def main():
    m = load_measure()
    ap = argparse.ArgumentParser()
    ap.add_argument("plan")
    ap.add_argument("--vars", default=None)
    ap.add_argument("--only", default=None)
    ap.add_argument("--out", default="results")
    ap.add_argument("--tag", default="")
    ap.add_argument("--email", default="user0001@example.org")
    ap.add_argument("--password", default="benchpass")
    ap.add_argument("--max-foreign", type=float, default=0.05)
    ap.add_argument("--max-wait", type=int, default=300)
    ap.add_argument("--attempts", type=int, default=3)
    args = ap.parse_args()

    plan, _vars = m.load_plan(args.plan, args.vars)
    name = plan["name"] + "-member" + (("-" + args.tag) if args.tag else "")
    w = plan["wrk"]
    base = f"http://127.0.0.1:{int(plan['server']['port'])}"
    os.makedirs(os.path.join(args.out, "raw"), exist_ok=True)
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    results = {"name": name, "date": now,
               "server_cmd": " ".join(plan["server"]["cmd"]), "wrk": w, "member": args.email,
               "targets": []}
    srv, log = m.start_server(plan, os.path.join(args.out, "raw", f"{name}_server.log"))
    fd, script = tempfile.mkstemp(suffix=".lua", prefix="wrk_member_")
    try:
        m.wait_ready(base + plan["server"].get("ready_path", "/"))
        cookie = sign_in(base, args.email, args.password)
        with os.fdopen(fd, "w") as fh:
            fh.write(f'wrk.headers["Cookie"] = {m.lua_str(cookie)}\n')
        only = set(args.only.split(",")) if args.only else None
        for t in plan["targets"]:
            if only and t["name"] not in only:
                continue
            url = base + t["path"]
            check = m.check_once(urllib.request.Request(url, headers={"Cookie": cookie}),
                                 t.get("expect"))
            print(f"[member] {t['name']}: check {check}", flush=True)
            if check["status"] != 200:
                results["targets"].append({"name": t["name"], "url": url, "check": check,
                                           "skipped": "validation request failed"})
                continue
            if w.get("warmup"):
                m.run_wrk(url, w, w["warmup"], script, conns=1, threads=1)
                time.sleep(min(30, check["seconds"] * 2 + 0.5))
            raw = os.path.join(args.out, "raw", f"{name}_{t['name']}.txt")
            best = None
            for attempt in range(1, args.attempts + 1):
                quiet = m.wait_quiet(srv.pid, args.max_foreign, max_wait=args.max_wait)
                cw = m.CpuWatch(srv.pid)
                cw.start()
                out, wcmd = m.run_wrk(url, w, t.get("duration") or w["duration"], script, raw)
                cpu = cw.stop()
                r = m.parse_wrk(out)
                r.update({"name": t["name"], "url": url, "method": "GET", "check": check,
                          "wrk_cmd": wcmd, "cpu": cpu, "quiet": quiet, "attempt": attempt})
                print(f"[member] {t['name']}: {r['rps']} req/s p50={r['p50']} p99={r['p99']} "
                      f"non2xx={r['non2xx3xx']} cpu={cpu} attempt={attempt}", flush=True)
                time.sleep(min(45, max(2, (m.to_seconds(r.get("p99")) or 0) * 1.2)))
                if cpu["foreign_frac"] > args.max_foreign:
                    r["contaminated"] = True
                if best is None or cpu["foreign_frac"] < best["cpu"]["foreign_frac"]:
                    best = r
                    if os.path.exists(raw):
                        os.replace(raw, raw + ".best")
                if not r.get("contaminated"):
                    break
            if os.path.exists(raw + ".best"):
                os.replace(raw + ".best", raw)
            results["targets"].append(best)
    finally:
        m.stop_server(srv, log)
        os.unlink(script)
    with open(os.path.join(args.out, f"{name}.json"), "w") as fh:
        json.dump(results, fh, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
