"""Run the live benchmark: the real app under `cop run` and, in the same run, two anchors
from the shared harness (../shared/bench/realtime), each with that harness's own load
client: Node socket.io (node/sio_server.js) and bare Flask-SocketIO (app.py, which only
relays) under the same gunicorn gevent-websocket worker as the app.

    ulimit -n 20000
    python bench/live/run.py --ns 100,500,1000,2000 --out bench/live/results

Each N gets a fresh server process and its own live session (so no run starts with an
earlier run's questions); the world (participants and tokens) is built once. The app's
clients join with `batch: true`, as the browser's do; at the sustained N the app is also
measured with one event per change (`app_single_n*.json`). Servers and
clients are started and stopped by PID here, on 127.0.0.1 only. Prints a markdown table.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYTHON = sys.executable
COP = str(Path(PYTHON).with_name("cop"))


def wait_http(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cpu_seconds(pid: int) -> float:
    """User+system CPU of a process and its children so far (Linux /proc)."""
    total = 0.0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            pids += [int(c) for c in children]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def wait_settled(pid: int, timeout: float = 60) -> None:
    """Until the server and its children (the second worker, the cpu workers, the
    background worker) have finished starting: under 0.1 s of CPU in a second. The first
    answer comes from one worker while the rest still load the app: a join storm sent
    then measured their start-up (3 s of CPU at 1,000 clients, docs/benchmarks.md)."""
    deadline = time.monotonic() + timeout
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = cpu_seconds(pid)
        if now - before < 0.1:
            return
        before = now


def run_app(args, n: int, session: int, sustain: bool, port: int, batch: bool = True) -> dict:
    """The app under `cop run`; its clients join with `batch: true` as the browser's do,
    or (batch=False) take one event per change."""
    env = {
        **os.environ,
        "COP_INSTANCE_PATH": args.instance,
        # The bench asks and votes far faster per person than the per-user limits allow.
        "COP_LIVE_ASK_LIMIT": "100000 per minute",
        "COP_LIVE_VOTE_LIMIT": "100000 per minute",
    }
    with open(Path(args.out) / f"app{'' if batch else '_single'}_n{n}.log", "w") as log:
        server = subprocess.Popen(
            [COP, "run", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/login", server)
        wait_settled(server.pid)
        cpu_before = cpu_seconds(server.pid)
        command = [
            PYTHON,
            str(HERE / "loadclient.py"),
            "--port",
            str(port),
            "--world",
            args.world,
            "--session",
            str(session),
            "--n",
            str(n),
            "--lat-msgs",
            str(args.lat_msgs),
            "--lat-rate",
            str(args.lat_rate),
            "--server-pid",
            str(server.pid),
        ]
        if sustain:
            command += ["--sustain-rate", str(args.sustain_rate), "--sustain-secs", "10"]
        if not batch:
            command.append("--no-batch")
        started = time.monotonic()
        result = json.loads(
            subprocess.run(command, check=True, capture_output=True, text=True, timeout=600).stdout
        )
        result["server_cpu_s"] = round(cpu_seconds(server.pid) - cpu_before, 2)
        result["wall_s"] = round(time.monotonic() - started, 1)
        result["load_avg"] = os.getloadavg()
        return result
    finally:
        stop(server)


def run_anchor(args, name: str, n: int, port: int, sustain: bool) -> dict:
    """One of the shared harness's servers, measured with its own load client: Node
    socket.io (`node`) or bare Flask-SocketIO under the same gunicorn gevent-websocket
    worker as the app (`fsio`, the harness's app.py: no database, no permissions)."""
    harness = Path(args.harness)
    if name == "node":
        command = ["node", str(harness / "node" / "sio_server.js")]
        env = {**os.environ, "PORT": str(port), "NODE_PATH": str(HERE / "node" / "node_modules")}
    else:
        command = [PYTHON, "-m", "gunicorn", "-w", "1", "-k"]
        command += ["geventwebsocket.gunicorn.workers.GeventWebSocketWorker"]
        command += ["--worker-connections", "5000", "-b", f"127.0.0.1:{port}", "app:app"]
        # gunicorn's control socket has one path per user: another bench's would clash.
        command.append("--no-control-socket")
        env = {**os.environ, "ASYNC_MODE": "gevent"}
    with open(Path(args.out) / f"{name}_n{n}.log", "w") as log:
        server = subprocess.Popen(
            command, cwd=harness, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling", server)
        out = Path(args.out) / f"{name}_n{n}.json"
        command = [PYTHON, str(harness / "loadclient.py"), "--urls", f"http://127.0.0.1:{port}"]
        command += ["--n", str(n), "--lat-msgs", str(args.lat_msgs)]
        command += ["--lat-rate", str(args.lat_rate)]
        command += ["--burst-deliveries", "0", "--burst-min", "0", "--out", str(out)]
        if sustain:
            command += ["--sustain-rates", str(args.sustain_rate), "--sustain-secs", "10"]
            command += ["--drain-timeout", "30"]
        cpu_before = cpu_seconds(server.pid)
        subprocess.run(command, check=True, capture_output=True, timeout=600)
        result = json.loads(out.read_text())
        result["server_cpu_s"] = round(cpu_seconds(server.pid) - cpu_before, 2)
        out.write_text(json.dumps(result, indent=1))
        return result
    finally:
        stop(server)


def _cell(stats: dict) -> str:
    return f"{stats.get('p50')} / {stats.get('p99')}" if stats.get("p50") is not None else "-"


def _connect(row: dict, key: str) -> str:
    """An anchor's time to connect and join all its clients (s)."""
    return str(row[key]["connect"]["wall_s"]) if row.get(key) else "-"


def table(rows: list[dict]) -> str:
    """Connect + join of all clients (s) and fan-out to the last client, p50 / p99 ms, at
    5 questions a second."""
    lines = [
        "| N | app connect all (s) | messages per client while connecting"
        " | bare connect (s) | Node connect (s) | app fan-out | bare Flask-SocketIO fan-out"
        " | Node fan-out | app / bare p99 | app / Node p99 | app server CPU (s) |",
        "|---:|---:|---:|---:|---:|---|---|---|---:|---:|---:|",
    ]
    for row in rows:
        app = row["app"]
        mine = app["fan_out"]["time_to_all_ms"]
        anchors = {k: row[k]["latency"]["time_to_all_ms"] for k in ("fsio", "node") if row.get(k)}
        ratios = [
            f"{mine['p99'] / anchors[k]['p99']:.1f}x" if k in anchors else "-"
            for k in ("fsio", "node")
        ]
        lines.append(
            f"| {row['n']} | {app['connect']['all_s']} ({app['connect']['connected']}) | "
            f"{app['connect'].get('messages_per_client', '-')} | {_connect(row, 'fsio')} | "
            f"{_connect(row, 'node')} | {_cell(mine)} | {_cell(anchors.get('fsio', {}))} | "
            f"{_cell(anchors.get('node', {}))} | {ratios[0]} | {ratios[1]} | "
            f"{app['server_cpu_s']} |"
        )
    return "\n".join(lines)


def sustained_table(row: dict, rate: float) -> str:
    """Time to the last client, p50 / p99 ms, at `rate` events a second for 10 s."""
    app = row["app"]["sustain"]
    lines = [
        "| server | events/s | what | time to all p50 / p99 (ms) | server CPU (s) |",
        "|---|---:|---|---|---:|",
        f"| app | {rate:g} | questions (half the events) | {_cell(app['time_to_all_ms'])} | "
        f"{row['app']['server_cpu_s']} |",
        f"| app | {rate:g} | votes (half, coalesced) | {_cell(app['vote_time_to_all_ms'])} | |",
    ]
    if row.get("app_single"):
        single = row["app_single"]["sustain"]
        lines += [
            f"| app, one event per change | {rate:g} | questions | "
            f"{_cell(single['time_to_all_ms'])} | {row['app_single']['server_cpu_s']} |",
            f"| app, one event per change | {rate:g} | votes | "
            f"{_cell(single['vote_time_to_all_ms'])} | |",
        ]
    for key, name in (("fsio", "bare Flask-SocketIO"), ("node", "Node socket.io")):
        if row.get(key) and row[key].get("sustain"):
            report = row[key]["sustain"][0]
            lines.append(
                f"| {name} | {rate:g} | every event broadcast | "
                f"{_cell(report['time_to_all_ms'])} | {row[key]['server_cpu_s']} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ns", default="100,500,1000,2000")
    parser.add_argument("--instance", default="/tmp/cop-live-bench")
    parser.add_argument("--participants", type=int, default=2100)
    parser.add_argument("--lat-msgs", type=int, default=50)
    parser.add_argument("--lat-rate", type=float, default=5)
    parser.add_argument("--sustain-at", type=int, default=1000, help="N for the sustained run")
    parser.add_argument("--sustain-rate", type=float, default=50)
    parser.add_argument("--no-anchors", action="store_true", help="the app alone")
    parser.add_argument(
        "--no-single", action="store_true", help="skip the app with one event per change"
    )
    parser.add_argument(
        "--first-session",
        type=int,
        default=0,
        help="the world's session to start from (each N takes one, two when sustained):"
        " another run on the same world starts without the earlier run's questions",
    )
    parser.add_argument(
        "--harness",
        default=str(ROOT.parent / "shared" / "bench" / "realtime"),
        help="the shared realtime harness (Node and bare servers, their load client)",
    )
    parser.add_argument("--port", type=int, default=5300)
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    Path(args.instance).mkdir(parents=True, exist_ok=True)
    args.world = str(Path(args.instance) / "world.json")
    if not Path(args.world).exists():
        subprocess.run(
            [PYTHON, str(HERE / "world.py"), "--n", str(args.participants), "--out", args.world],
            env={**os.environ, "COP_INSTANCE_PATH": args.instance},
            check=True,
        )
    rows = []
    anchors = [] if args.no_anchors else ["fsio", "node"]
    ns = [int(n) for n in args.ns.split(",")]
    for session, n in enumerate(ns, start=args.first_session):
        sustain = n == args.sustain_at
        row = {"n": n, "app": run_app(args, n, session, sustain=sustain, port=args.port)}
        (Path(args.out) / f"app_n{n}.json").write_text(json.dumps(row["app"], indent=1))
        if sustain and not args.no_single:  # one event per change, in a session of its own
            single = run_app(args, n, len(ns) + session, sustain, args.port, batch=False)
            (Path(args.out) / f"app_single_n{n}.json").write_text(json.dumps(single, indent=1))
            row["app_single"] = single
        for offset, name in enumerate(anchors, start=1):
            row[name] = run_anchor(args, name, n, args.port + offset, sustain)
        rows.append(row)
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    print(table(rows))
    for row in rows:
        if "sustain" in row["app"]:
            print(f"\nSustained at N = {row['n']}:\n")
            print(sustained_table(row, args.sustain_rate))


if __name__ == "__main__":
    main()
