"""Head-of-line blocking under `cop run`: page latency and webinar fan-out, with and
without clients doing the costliest legal work beside them.

    # once (~5 min under load): a forum corpus, webinar participants, the search index
    export COP_INSTANCE_PATH=/tmp/cop-hol
    python bench/forum/populate.py $COP_INSTANCE_PATH --topics 400 --posts 20000 --force
    python bench/live/world.py --n 130 --sessions 4 --out $COP_INSTANCE_PATH/world.json
    cop search rebuild
    # then
    python bench/hol/run.py $COP_INSTANCE_PATH [--secs 20] [--port 1150] [--out FILE]
                            [--only quiet|heavy]

With --cpu-workers 0 posts render in the server process itself, as before cop/cpu.py.
With --webinar-port P the webinar's clients use a server you started on port P for the
same instance (e.g. `cop run --port P --workers 1`): the webinar's sockets then share no
event loop with the page clients (docs/benchmarks.md, "Session 14").
Two phases, each on a fresh `cop run` (port 1150) with its own live session:
- quiet: 20 page clients (guests, each GETs the hot discussion and its forum in turn, one
  request at a time) and a 100-client webinar (bench/live/loadclient.py: 5 questions a
  second, fan-out = ask to the last client's receipt);
- heavy: the same, plus 8 clients posting the largest replies of the densest markup
  that cop.text.check_body accepts (bench/text's "nested emphasis" at both caps, among
  the costliest to render) back to back,
  and 5 clients searching back to back for five common words with facets (the costliest
  query the parser and COP_SEARCH_MAX_POSTINGS let through at this corpus).
The posting and search limits are lifted (COP_POST_LIMIT, COP_SEARCH_LIMIT): the heavy
clients go as fast as the server answers. Prints one JSON object: per phase, page latency
p50/p99/max, webinar fan-out p50/p99, the heavy clients' counts and latencies,
and the CPU seconds the server's serving workers, cpu workers and `cop worker` used in
the measured window (how the heavy work shared the cores with the serving).

With --count-renders, the server runs with bench/hol/renders on PYTHONPATH (a
sitecustomize that logs every template Flask renders) and each phase also reports how
many times the hot discussion's and the hot forum's pages were rendered in the measured
window, per post done and per change of the page generation (cop/guest_cache.py: every
post, and anything else written, makes each guest page outdated once), and "again": the
renders of a page at a generation it had already been rendered at (a render that another
request's served no one: with one render per page per change, 0).
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "live"), str(HERE.parent / "text")]
from render import CASES  # noqa: E402  (bench/text: the costliest post to render)
from run import COP, PYTHON, stop, wait_http  # noqa: E402  (bench/live: server helpers)

QUERY = "python сервер помилка форум запит"
WARM_SECS = 10
HOT_TEMPLATES = {"discussion": "discussions/discussion.html", "forum": "spaces/space.html"}


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def at(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {"count": len(ordered), "p50": at(0.5), "p99": at(0.99), "max": at(1.0)}


class Clients:
    """Clients that each repeat one request until `until` over a keep-alive connection,
    timing each answer that was asked for after `warm` (the first seconds fill the caches
    and start the cpu workers). All of them run on one asyncio loop in one thread, with a
    minimal HTTP/1.1 client: they share the 2 cores with the server they measure, and 33
    threads of http.client took 29 % of the machine (8.8 CPU-s in 15 s) and, woken at
    every answer, kept the server's workers waiting for a core as long as they ran
    (docs/benchmarks.md, "Session 14")."""

    def __init__(self, port: int, warm: float, until: float) -> None:
        self.port, self.warm, self.until = port, warm, until
        self.times: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.failures: dict[str, dict[str, int]] = {}  # kind -> status (or "timeout") -> count
        self.clients: list[tuple[str, list]] = []
        self.thread: threading.Thread | None = None

    def add(self, kind: str, requests: list[tuple[str, str, bytes | None, dict]]) -> None:
        self.times.setdefault(kind, [])
        self.errors.setdefault(kind, 0)
        self.failures.setdefault(kind, {})
        self.clients.append((kind, requests))

    async def _loop(self, kind: str, requests) -> None:
        connection = None
        i = 0
        while time.monotonic() < self.until:
            method, path, body, headers = requests[i % len(requests)]
            if callable(body):
                body = body(i)
            i += 1
            started, asked = time.perf_counter(), time.monotonic()
            try:
                if connection is None:
                    connection = await asyncio.open_connection("127.0.0.1", self.port)
                status, kept = await asyncio.wait_for(
                    _exchange(*connection, method, path, body, headers), 60
                )
                ok, failure = status < 400, str(status)
                if not kept:
                    connection[1].close()
                    connection = None
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as error:
                if connection is not None:
                    connection[1].close()
                connection = None
                ok, failure = False, type(error).__name__
            if asked < self.warm:
                continue
            if ok:
                self.times[kind].append(time.perf_counter() - started)
            else:
                self.errors[kind] += 1
                failures = self.failures[kind]
                failures[failure] = failures.get(failure, 0) + 1
        if connection is not None:
            connection[1].close()

    async def _all(self) -> None:
        await asyncio.gather(*(self._loop(kind, requests) for kind, requests in self.clients))

    def start(self) -> None:
        self.thread = threading.Thread(target=asyncio.run, args=(self._all(),), daemon=True)
        self.thread.start()

    def join(self) -> dict:
        self.thread.join()
        return {
            kind: {**percentiles(values), "errors": self.errors[kind], "why": self.failures[kind]}
            for kind, values in self.times.items()
        }


async def _exchange(reader, writer, method: str, path: str, body, headers: dict):
    """One request on a keep-alive connection; returns the status and whether the server
    keeps the connection, once the whole answer (Content-Length or chunked) is read."""
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        head.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))
    lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if "content-length" in fields:
        await reader.readexactly(int(fields["content-length"]))
    elif fields.get("transfer-encoding", "").lower() == "chunked":
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    return status, fields.get("connection", "").lower() != "close"


def cpu_by_kind(pid: int) -> dict[str, float]:
    """CPU seconds (user + system) so far of the server's processes by kind: the serving
    workers (gunicorn's master included), the cpu workers and `cop worker` (Linux /proc)."""
    kinds = {"serving": 0.0, "cpu workers": 0.0, "background": 0.0}
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            command = Path(f"/proc/{current}/cmdline").read_bytes()
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        pids += [int(c) for c in children]
        if b"redis-server" in command:
            continue
        kind = (
            "cpu workers"
            if b"cop.cpu" in command
            else "background"
            if command.endswith(b"\0worker\0")
            else "serving"
        )
        kinds[kind] += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return kinds


def phase(args, world: dict, corpus: dict, session: int, heavy: bool) -> dict:
    """One run of the clients against a fresh server; `session` indexes the world's live
    sessions (each run needs its own: loadclient measures from an empty session)."""
    env = {
        **os.environ,
        "COP_INSTANCE_PATH": args.instance,
        "COP_LIVE_ASK_LIMIT": "100000 per minute",
        "COP_POST_LIMIT": "100000 per minute",
        "COP_SEARCH_LIMIT": "100000 per second",
        "COP_CPU_WORKERS": str(args.cpu_workers),
    }
    renders = Path(args.instance) / f"hol_{'heavy' if heavy else 'quiet'}_renders.log"
    if args.count_renders:
        renders.unlink(missing_ok=True)
        paths = [str(HERE / "renders"), *filter(None, [os.environ.get("PYTHONPATH")])]
        env |= {"PYTHONPATH": os.pathsep.join(paths), "COP_BENCH_RENDERS": str(renders)}
    log = open(Path(args.instance) / f"hol_{'heavy' if heavy else 'quiet'}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [COP, "run", "--port", str(args.port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_http(f"http://127.0.0.1:{args.port}/login", server)
        webinar = subprocess.Popen(
            [PYTHON, str(HERE.parent / "live" / "loadclient.py")]
            + ["--port", str(args.webinar_port or args.port)]
            + ["--world", str(Path(args.instance) / "world.json"), "--session", str(session)]
            + ["--n", "100", "--lat-msgs", str((args.secs + WARM_SECS) * 5), "--lat-rate", "5"],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(5)  # the webinar's clients connect and join before the load starts
        now = time.monotonic()
        clients = Clients(args.port, now + WARM_SECS, now + WARM_SECS + args.secs)
        pages = [
            ("GET", f"/discussions/{corpus['hot_discussion_id']}", None, {}),
            ("GET", f"/spaces/{corpus['hot_forum_id']}", None, {}),
        ]
        for _ in range(20):
            clients.add("page", pages)
        if heavy:
            tokens = world["tokens"][100:]
            post = CASES["nested emphasis"]()
            for n in range(8):
                headers = {
                    "Authorization": f"Bearer {tokens[n]}",
                    "Content-Type": "application/json",
                }

                def body(i: int, n: int = n) -> bytes:
                    text = f"{n}-{i} " + post
                    return json.dumps({"body": text[: len(post)]}).encode()

                path = f"/api/v1/discussions/{corpus['hot_discussion_id']}/posts"
                clients.add("post", [("POST", path, body, headers)])
            search = f"/api/v1/search?q={quote(QUERY)}"
            for n in range(8, 13):
                headers = {"Authorization": f"Bearer {tokens[n]}"}
                clients.add("search", [("GET", search, None, headers)])
        clients.start()
        time.sleep(WARM_SECS)
        before, began, first = cpu_by_kind(server.pid), time.time(), page_generation(args)
        result = clients.join()
        after, ended, last = cpu_by_kind(server.pid), time.time(), page_generation(args)
        result["cpu_seconds"] = {k: round(after[k] - before[k], 2) for k in after}
        if args.count_renders:
            result["renders"] = count_renders(renders, began, ended, result.get("post"))
            result["renders"]["changes"] = changes = last - first
            counted = result["renders"]["count"].items()
            result["renders"]["per_change"] = (
                {page: round(n / changes, 2) for page, n in counted} if changes else None
            )
        fan_out = json.loads(webinar.communicate(timeout=300)[0])
        result["webinar"] = fan_out.get("fan_out", fan_out)
        result["load_avg"] = os.getloadavg()
        return result
    finally:
        stop(server)
        log.close()


def page_generation(args) -> int:
    """The guest page cache's change number in the instance's database (0 without
    --count-renders)."""
    if not args.count_renders:
        return 0
    import sqlalchemy  # noqa: PLC0415  (cop's venv)

    url = os.environ.get("COP_DATABASE_URL") or f"sqlite:///{Path(args.instance) / 'cop.sqlite'}"
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(sqlalchemy.text("SELECT value FROM page_generation"))
    finally:
        engine.dispose()


def count_renders(log: Path, began: float, ended: float, posts: dict | None) -> dict:
    """Renders of the hot pages between `began` and `ended`, per post done then, and
    how many rendered a page at a generation it had been rendered at already."""
    counts = dict.fromkeys(HOT_TEMPLATES, 0)
    seen: dict[str, set] = {page: set() for page in HOT_TEMPLATES}
    names = {template: page for page, template in HOT_TEMPLATES.items()}
    for line in log.read_text().splitlines() if log.exists() else []:
        at, name, generation = (line.split(" ") + ["-"])[:3]
        if name in names and began <= float(at) <= ended:
            counts[names[name]] += 1
            seen[names[name]].add(generation)
    done = (posts or {}).get("count", 0)
    per_post = {page: round(n / done, 2) for page, n in counts.items()} if done else None
    again = {page: counts[page] - len(seen[page]) for page in counts}
    return {"count": counts, "per_post": per_post, "again": again}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("instance")
    parser.add_argument("--secs", type=int, default=20)
    parser.add_argument("--port", type=int, default=1150)
    parser.add_argument("--session", type=int, default=0, help="first of two live sessions")
    parser.add_argument("--cpu-workers", type=int, default=2, help="COP_CPU_WORKERS")
    parser.add_argument(
        "--webinar-port",
        type=int,
        help="the webinar's clients connect to a server already running here (same "
        "instance), not to the one the bench starts: sockets and pages in separate processes",
    )
    parser.add_argument("--out")
    parser.add_argument("--only", choices=("quiet", "heavy"), help="run one phase")
    parser.add_argument("--count-renders", action="store_true", help="renders of the hot pages")
    args = parser.parse_args()
    instance = Path(args.instance)
    world = json.loads((instance / "world.json").read_text())
    corpus = json.loads((instance / "populate.json").read_text())
    names = [args.only] if args.only else ["quiet", "heavy"]
    results = {
        name: phase(args, world, corpus, args.session + n, heavy=name == "heavy")
        for n, name in enumerate(names)
    }
    results["cpu_workers"] = args.cpu_workers
    results["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    text = json.dumps(results, indent=1)
    if args.out:
        Path(args.out).write_text(text)
    print(text)
    for name in names:
        result = results[name]
        page, webinar = result["page"], result["webinar"]
        fan_out = webinar.get("time_to_all_ms", {})
        reached = fan_out.get("count")
        failed = {kind: result[kind]["why"] for kind in ("post", "search") if kind in result}
        print(
            f"{name}: pages p50/p99 {page.get('p50')}/{page.get('p99')} ms; webinar fan-out "
            f"p50/p99 {fan_out.get('p50')}/{fan_out.get('p99')} ms; questions that "
            f"reached every client {reached} of {webinar.get('questions')}; failed {failed}; "
            f"renders {result.get('renders')}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
