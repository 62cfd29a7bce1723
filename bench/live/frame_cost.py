"""What one event sent to a room of real websockets costs the serving process, per socket:
Socket.IO's own emit (each socket's queue and writer greenlet) beside cop.frames.emit (one
frame, written straight to idle websockets), alternately in the same run.

    ulimit -n 20000
    .venv/bin/python bench/live/frame_cost.py [--sockets 1000] [--events 50] [--port 4150]

In this process: the app under gevent (monkey-patched, as `cop run`'s worker) on a fresh
SQLite database, served by gevent's WSGI server with gevent-websocket's handler (what
`cop run`'s worker class runs); a live session whose `--sockets` participants connect over
websockets from a separate process (loadclient.py --hold) and join with `batch: true`.
Each event is one `batch` with a question, as a round of the live broadcast sends it, to
the session's batch room; after each, the process runs until every socket's queue is
empty (every frame handed to the kernel). Measured per event and socket, for each way:

- Python function calls (cProfile over the emit and every greenlet it woke);
- system calls (strace -c -f on this process, a pass of its own: tracing slows it);
- CPU µs (median of the events; only a ratio between the two ways in the same run means
  anything on a shared machine).

Counts do not depend on the machine's load. Prints one JSON object.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 (after gevent's patching, as in `cop run`'s worker)
import cProfile  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402
from geventwebsocket.handler import WebSocketHandler  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from audience import live_session_with_people, make_app  # noqa: E402 (a sibling module)

QUESTION = {
    "id": 1,
    "session_id": 1,
    "text": "q1 Коли громада отримає звіт про бюджет участі? " * 3,
    "status": "visible",
    "anonymous": False,
    "author": {"id": 2, "name": "Person 2"},
    "votes": 0,
    "votes_seq": 0,
    "seq": 1,
    "answer": None,
    "answered_at": None,
    "created_at": "2026-12-06T09:00:00+00:00",
}


def settle(eio) -> None:
    """Run the loop until every socket's queue is empty and nothing is ready to run."""
    while any(not s.queue.empty() for s in list(eio.sockets.values())):
        gevent.sleep(0.001)
    gevent.idle()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sockets", type=int, default=1000)
    ap.add_argument("--events", type=int, default=50, help="per way and pass")
    ap.add_argument("--port", type=int, default=4150)
    args = ap.parse_args()

    from cop import frames
    from cop.extensions import socketio
    from cop.live import broadcast
    from cop.realtime import NAMESPACE

    app = make_app(COP_ASYNC_MODE="gevent", COP_LIVE_BROADCAST_WINDOW=0)
    with app.app_context():
        session_id, tokens = live_session_with_people(args.sockets)
    eio = socketio.server.eio
    eio.ping_interval = 3600  # no pings during the passes (they are writes of their own)
    world = Path(tempfile.mkdtemp(prefix="cop_bench_frames_")) / "world.json"
    world.write_text(json.dumps({"session_ids": [session_id], "tokens": tokens}))

    server = WSGIServer(("127.0.0.1", args.port), app, handler_class=WebSocketHandler, log=None)
    server.start()
    command = [sys.executable, str(HERE / "loadclient.py"), "--port", str(args.port)]
    command += ["--world", str(world), "--n", str(args.sockets), "--hold"]
    clients = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = clients.stdout.readline()  # cooperative: the pipe is gevent's
    joined = json.loads(line)["connected"]
    room = broadcast.batch_twin(broadcast.public_room(session_id))
    items = [["question", {**QUESTION, "session_id": session_id}]]

    def stock():
        socketio.server.emit("batch", items, to=room, namespace=NAMESPACE, ignore_queue=True)

    def framed():
        frames.emit(socketio.server, "batch", items, NAMESPACE, room, set())

    ways = {"socketio_emit": stock, "frames_emit": framed}
    result = {"sockets": joined, "events": args.events, "websockets": len(frames.WRITERS)}
    for fn in ways.values():  # warm-up
        fn()
        settle(eio)
    cpu = {name: [] for name in ways}
    calls = dict.fromkeys(ways, 0)
    for _pass in range(2):
        for name, fn in ways.items():
            for _ in range(args.events):
                profile = cProfile.Profile()
                profile.enable()
                fn()
                gevent.idle()
                profile.disable()
                settle(eio)
                calls[name] += pstats.Stats(profile).total_calls
                started = time.process_time()
                fn()
                settle(eio)
                cpu[name].append(time.process_time() - started)
    sent = 2 * args.events * joined
    for name, fn in ways.items():
        result[f"{name}_calls_per_socket"] = round(calls[name] / sent, 1)
        result[f"{name}_cpu_us_per_socket"] = round(1e6 * statistics.median(cpu[name]) / joined, 2)
        result[f"{name}_syscalls_per_socket"] = syscalls(fn, eio, args.events, joined)
    clients.stdin.close()
    out = json.loads(clients.stdout.read().splitlines()[-1])
    result["messages_received"] = out["hold"]["messages"]
    result["messages_sent"] = (10 * args.events + 2) * joined
    server.stop()
    print(json.dumps(result))


def syscalls(fn, eio, events: int, sockets: int) -> dict:
    """System calls per event and socket while `events` events go out, by strace -c on
    this process: the total and the three commonest."""
    out = tempfile.mktemp(suffix=".strace")
    tracer = subprocess.Popen(["strace", "-qq", "-f", "-c", "-o", out, "-p", str(os.getpid())])
    gevent.sleep(1)  # strace attaches to every thread
    for _ in range(events):
        fn()
        settle(eio)
    tracer.send_signal(signal.SIGINT)
    tracer.wait()
    counts = {}
    for row in Path(out).read_text().splitlines():
        parts = row.split()
        if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
            counts[parts[-1]] = int(parts[3])
    Path(out).unlink()
    per = {name: round(n / (events * sockets), 2) for name, n in counts.items()}
    top = dict(sorted(per.items(), key=lambda kv: -kv[1])[:3])
    return {"total": round(sum(counts.values()) / (events * sockets), 2), **top}


if __name__ == "__main__":
    main()
