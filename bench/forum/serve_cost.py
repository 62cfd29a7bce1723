"""Server CPU per request under `cop run`, beside a hello-world Flask app under the same
server (gunicorn, one gevent-websocket worker, cop/gunicorn_conf.py's settings) in the
same run. Standard library only, plus the venv cop is installed in.

    python3 bench/forum/serve_cost.py --vars /tmp/bench-h5/populate.json \
        --venv .venv --seconds 10 --rounds 2 [--out bench/forum/results/serve_cost.json]

Each server is pinned to CPU 1 and the load (--connections keep-alive HTTP/1.1
connections, threads of this process) to CPU 0. For each page: a warm-up, then --seconds
of requests; *server CPU per request* is the CPU (user + system, from /proc) of the
server's processes divided by the completed requests, all of which must answer 200. The
member's pages are requested with the session cookie of user0001 signed in through the
form; guests' pages with the guest page cache on (as served). Rounds alternate the
servers so both see the same load; the report gives the median over rounds and the share
of the hello app's CPU per request in the same round. Ports 5151 and 5152 on 127.0.0.1
(--ports COP,HELLO to choose others).
"""

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

from measure_member import sign_in

HERE = os.path.dirname(os.path.abspath(__file__))
TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children alive now."""
    total = 0.0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
            with open(f"/proc/{p}/task/{p}/children") as fh:
                pids += [int(c) for c in fh.read().split()]
        except FileNotFoundError:
            continue
    return total


def start(cmd: list[str], env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(["taskset", "-c", "1", *cmd], env=env, cwd=HERE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise SystemExit(f"server on port {port} did not answer: {' '.join(cmd)}")


def settle(proc: subprocess.Popen, quiet_cpu: float = 0.01, limit: float = 120) -> None:
    """Wait until the server's processes have finished starting (their CPU stops moving for
    half a second). `cop run` answers before its cpu worker has imported the app: without
    this, that start-up (about half a second of CPU) landed in the first page measured and
    made the nested discussion page look twice as dear as `?mode=oldest`."""
    last, until = tree_cpu(proc.pid), time.monotonic() + limit
    while time.monotonic() < until:
        time.sleep(0.5)
        now = tree_cpu(proc.pid)
        if now - last < quiet_cpu:
            return
        last = now


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def load(port: int, path: str, cookie: str, seconds: float, connections: int) -> tuple:
    """Requests completed and failures, from `connections` keep-alive connections."""
    done, failed = [0] * connections, [0] * connections
    until = time.monotonic() + seconds
    headers = {"Cookie": cookie} if cookie else {}

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < until:
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status == 200:
                done[i] += 1
            else:
                failed[i] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done), sum(failed)


def measure(proc, port, path, cookie, args) -> dict:
    load(port, path, cookie, 2, args.connections)  # warm-up
    cpu0, t0 = tree_cpu(proc.pid), time.monotonic()
    done, failed = load(port, path, cookie, args.seconds, args.connections)
    cpu, wall = tree_cpu(proc.pid) - cpu0, time.monotonic() - t0
    if failed:
        raise SystemExit(f"{failed} requests to {path} did not answer 200")
    return {"requests": done, "rps": round(done / wall, 1),
            "cpu_ms_per_request": round(cpu / done * 1000, 3)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vars", default="/tmp/cop-forum-bench/populate.json")
    ap.add_argument("--venv", default=os.path.join(HERE, "..", "..", ".venv"))
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--ports", default="5151,5152", help="cop's and hello's, e.g. 1151,1152")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    cop_port, hello_port = (int(p) for p in args.ports.split(","))
    os.sched_setaffinity(0, {0})
    with open(args.vars) as fh:
        v = json.load(fh)
    venv = os.path.abspath(args.venv)
    env = dict(os.environ, COP_INSTANCE_PATH=v["instance"], COP_LOG_REQUESTS="0",
               COP_SECRET_KEY="forum-bench-not-secret")
    cop = [f"{venv}/bin/cop", "run", "--port", str(cop_port)]
    hello = [f"{venv}/bin/python", "-m", "gunicorn", "--bind", f"127.0.0.1:{hello_port}",
             "--workers", "1",
             "--worker-class", "geventwebsocket.gunicorn.workers.GeventWebSocketWorker",
             "--worker-connections", "10000", "--no-control-socket", "hello_app:app"]
    disc = f"/discussions/{v['hot_discussion_id']}"
    forum = f"/spaces/{v['hot_forum_id']}"
    pages = [("member: discussion_hot page 1", disc, True),
             ("member: discussion_hot ?mode=oldest", disc + "?mode=oldest", True),
             ("member: forum_hot", forum, True), ("member: dashboard", "/", True),
             ("guest (cache on): discussion_hot page 1", disc, False)]
    rounds = []
    for r in range(args.rounds):
        row = {}
        proc = start(hello, env, hello_port)
        try:
            settle(proc)
            row["hello world"] = measure(proc, hello_port, "/", "", args)
        finally:
            stop(proc)
        proc = start(cop, env, cop_port)
        try:
            cookie = sign_in(f"http://127.0.0.1:{cop_port}", "user0001@example.org", "benchpass")
            settle(proc)
            for title, path, member in pages:
                row[title] = measure(proc, cop_port, path, cookie if member else "", args)
        finally:
            stop(proc)
        for entry in row.values():
            entry["x_hello"] = round(entry["cpu_ms_per_request"]
                                     / row["hello world"]["cpu_ms_per_request"], 1)
        rounds.append(row)
        print(f"round {r + 1}:", file=sys.stderr)
        for title, e in row.items():
            print(f"  {e['cpu_ms_per_request']:7.3f} ms/req {e['x_hello']:6.1f}x hello "
                  f"{e['rps']:8.1f} req/s  {title}", file=sys.stderr)
    summary = {t: {k: statistics.median(rw[t][k] for rw in rounds)
                   for k in ("cpu_ms_per_request", "x_hello", "rps")} for t in rounds[0]}
    print("median over rounds:")
    for title, e in summary.items():
        print(f"  {e['cpu_ms_per_request']:7.3f} ms/req {e['x_hello']:6.1f}x hello "
              f"{e['rps']:8.1f} req/s  {title}")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"rounds": rounds, "median": summary, "args": vars(args)}, fh, indent=2)


if __name__ == "__main__":
    main()
