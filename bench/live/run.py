"""Run the live benchmark: the real app under `cop run` and, in the same run, Node socket.io
with the shared harness (../shared/bench/realtime: node/sio_server.js and loadclient.py).

    ulimit -n 20000
    python bench/live/run.py --ns 100,500,1000,2000 --out bench/live/results

Each N gets a fresh server process and its own live session (so no run starts with an
earlier run's questions); the world (participants and tokens) is built once. Servers and
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


def run_app(args, n: int, session: int, sustain: bool, port: int) -> dict:
    env = {
        **os.environ,
        "COP_INSTANCE_PATH": args.instance,
        # The bench asks and votes far faster per person than the per-user limits allow.
        "COP_LIVE_ASK_LIMIT": "100000 per minute",
        "COP_LIVE_VOTE_LIMIT": "100000 per minute",
    }
    with open(Path(args.out) / f"app_n{n}.log", "w") as log:
        server = subprocess.Popen(
            [COP, "run", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/login", server)
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
        ]
        if sustain:
            command += ["--sustain-rate", str(args.sustain_rate), "--sustain-secs", "10"]
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


def run_node(args, n: int, port: int) -> dict:
    node_modules = HERE / "node" / "node_modules"
    server = subprocess.Popen(
        ["node", str(Path(args.harness) / "node" / "sio_server.js")],
        env={**os.environ, "PORT": str(port), "NODE_PATH": str(node_modules)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/", server)
        out = Path(args.out) / f"node_n{n}.json"
        subprocess.run(
            [
                PYTHON,
                str(Path(args.harness) / "loadclient.py"),
                "--urls",
                f"http://127.0.0.1:{port}",
            ]
            + ["--n", str(n), "--lat-msgs", str(args.lat_msgs), "--lat-rate", str(args.lat_rate)]
            + ["--burst-deliveries", "0", "--burst-min", "0", "--out", str(out)],
            check=True,
            capture_output=True,
            timeout=600,
        )
        return json.loads(out.read_text())
    finally:
        stop(server)


def table(rows: list[tuple[int, dict, dict | None]]) -> str:
    lines = [
        "| N | app connect all (s) | app connect p50/p99 (ms) | app fan-out to last client "
        "p50/p99/max (ms) | app server CPU (s) | Node fan-out to last client p50/p99/max (ms)"
        " | app/Node p99 |",
        "|---:|---:|---|---|---:|---|---:|",
    ]
    for n, app, node in rows:
        c, f = app["connect"], app["fan_out"]["time_to_all_ms"]
        if node:
            nf = node["latency"]["time_to_all_ms"]
            node_cell = f"{nf['p50']} / {nf['p99']} / {nf['max']}"
            ratio = f"{f['p99'] / nf['p99']:.1f}x" if nf.get("p99") else ""
        else:
            node_cell, ratio = "", ""
        lines.append(
            f"| {n} | {c['all_s']} ({c['connected']}/{n}) | {c['per_client_ms']['p50']} / "
            f"{c['per_client_ms']['p99']} | {f.get('p50')} / {f.get('p99')} / {f.get('max')} | "
            f"{app['server_cpu_s']} | {node_cell} | {ratio} |"
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
    parser.add_argument("--no-node", action="store_true")
    parser.add_argument(
        "--harness",
        default=str(ROOT.parent / "shared" / "bench" / "realtime"),
        help="the shared realtime harness (Node server and its load client)",
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
    ns = [int(n) for n in args.ns.split(",")]
    for session, n in enumerate(ns):
        app = run_app(args, n, session, sustain=(n == args.sustain_at), port=args.port)
        (Path(args.out) / f"app_n{n}.json").write_text(json.dumps(app, indent=1))
        node = None if args.no_node else run_node(args, n, args.port + 1)
        rows.append((n, app, node))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    print(table(rows))
    sustained = [app["sustain"] for _n, app, _node in rows if "sustain" in app]
    for report in sustained:
        print(json.dumps(report))


if __name__ == "__main__":
    main()
