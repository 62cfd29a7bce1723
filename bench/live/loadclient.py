"""N Socket.IO clients of the real `/live` namespace in one asyncio process.

Each client opens a websocket (Engine.IO v4, Socket.IO v5), connects to `/live` with an
API token, joins the session and waits for the join's acknowledgement. It joins with
`batch: true`, as the browser client does (changes come in `batch` events; `--no-batch`:
one event per change). `--port` may name several server processes (client i connects to
the i-th, modulo). Then:

- fan-out: client 0 asks `--lat-msgs` questions at `--lat-rate` per second; for each, the
  time from sending `ask` to the last client's receipt of its `question` event;
- sustain (optional): `--sustain-rate` events per second for `--sustain-secs`, half asks
  (from rotating clients) and half votes (each from another client, on a recent question):
  question fan-out as above, and for votes the time until every client has a `votes` event
  counting it (the server coalesces votes under load, cop/live/broadcast.py).

The websocket client is a minimal RFC 6455 one on asyncio.Protocol (unfragmented text
frames, ping/pong; no extensions), a few µs per frame, so one process can measure a
server with thousands of clients. Prints one JSON object.
"""

import argparse
import asyncio
import json
import os
import resource
import sys
import time

from run import cpu_seconds

NS = "/live"
clock = time.perf_counter


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def at(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)

    return {"count": len(ordered), "p50": at(0.5), "p99": at(0.99), "max": at(1.0)}


class Socket(asyncio.Protocol):
    """A websocket to `/socket.io/`: hands every text frame's bytes to `on_text(data, t)`."""

    def __init__(self, host: str, on_text):
        self.host, self.on_text = host, on_text
        self.upgraded = asyncio.get_running_loop().create_future()
        self.buffer = bytearray()
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(
            (
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def connection_lost(self, exc):
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError("closed before the upgrade"))

    def data_received(self, data):
        t = clock()
        buf = self.buffer
        buf += data
        if not self.upgraded.done():
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[: buf.find(b"\r\n")])
            del buf[: end + 4]
            if b" 101 " not in status:
                self.upgraded.set_exception(ConnectionError(status.decode("latin1")))
                self.transport.close()
                return
            self.upgraded.set_result(True)
        pos, size = 0, len(buf)
        while size - pos >= 2:
            opcode, length, header = buf[pos] & 0x0F, buf[pos + 1] & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, header = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, header = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            if size - pos < header + length:
                break
            payload = bytes(buf[pos + header : pos + header + length])
            pos += header + length
            if opcode == 1:
                self.on_text(payload, t)
            elif opcode == 9:
                self.send(payload, opcode=0xA)
        del buf[:pos]

    def send(self, payload, opcode: int = 1) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        n = len(data)
        if n < 126:
            head = bytes((0x80 | opcode, 0x80 | n))
        elif n < 65536:
            head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
        else:
            head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
        self.transport.write(head + b"\x00\x00\x00\x00" + data)  # zero mask: valid framing


class Client:
    """One participant: Socket.IO framing, acknowledgements, and what the bench measures."""

    def __init__(self, bench: "Bench", index: int, token: str):
        self.bench, self.index, self.token = bench, index, token
        self.socket: Socket | None = None
        self.acks: dict[int, asyncio.Future] = {}
        self.next_ack = 0
        self.connected = asyncio.get_running_loop().create_future()
        self.votes_seen: dict[int, int] = {}

    async def open(self, host: str, port: int, session_id: int) -> None:
        loop = asyncio.get_running_loop()
        _, self.socket = await loop.create_connection(
            lambda: Socket(f"{host}:{port}", self.on_text), host, port
        )
        await self.socket.upgraded
        await self.connected
        join = {"session_id": session_id, "batch": self.bench.args.batch}
        reply = await self.call("join", join)
        if not reply.get("ok"):
            raise RuntimeError(f"join refused: {reply}")

    def emit(self, event: str, data: dict) -> None:
        self.socket.send(f"42{NS},{json.dumps([event, data], separators=(',', ':'))}")

    def call(self, event: str, data: dict) -> asyncio.Future:
        ack = self.next_ack
        self.next_ack += 1
        self.acks[ack] = asyncio.get_running_loop().create_future()
        body = json.dumps([event, data], separators=(",", ":"))
        self.socket.send(f"42{NS},{ack}{body}")
        return self.acks[ack]

    def on_text(self, data: bytes, t: float) -> None:
        """Every message, as bytes: the bench's markers and vote counts are found without
        decoding or parsing what carries them, as the shared harness's client does (at
        1,000 clients and 50 events a second a client that parsed every message fell
        behind the server it measured: docs/benchmarks.md, "Session 16")."""
        self.bench.frames += 1
        if data == b"2":
            self.socket.send(b"3")
        elif data.startswith(EVENT):
            marker = data.find(b'"text":"q', EVENT_AT)
            while marker >= 0:
                digits = data[marker + 9 : data.index(b" ", marker)]
                self.bench.question_received(int(digits), t)
                marker = data.find(b'"text":"q', marker + 9)
            counts = data.find(b'"votes":{', EVENT_AT)
            while counts >= 0:
                end = data.index(b"}", counts)
                for pair in data[counts + 9 : end].split(b",") if end > counts + 9 else ():
                    qid, _, count = pair.partition(b":")
                    self.bench.votes_received(self, int(qid[1:-1]), int(count), t)
                counts = data.find(b'"votes":{', end)
        elif data.startswith(ACK):
            body = data[len(ACK) :].decode()
            bracket = body.index("[")
            future = self.acks.pop(int(body[:bracket]), None)
            if future is not None and not future.done():
                future.set_result(json.loads(body[bracket:])[0])
        elif data.startswith(b"0"):
            self.socket.send(f"40{NS},{json.dumps({'token': self.token})}")
        elif data.startswith(f"40{NS},".encode()):
            self.connected.set_result(True)
        elif data.startswith(f"44{NS},".encode()):
            self.connected.set_exception(RuntimeError(f"connect refused: {data.decode()}"))


EVENT, ACK = f"42{NS},".encode(), f"43{NS},".encode()
EVENT_AT = len(EVENT)


class Bench:
    def __init__(self, args):
        self.args = args
        with open(args.world) as file:
            world = json.load(file)
        self.session_id = world["session_ids"][args.session]
        self.tokens = world["tokens"]
        self.clients: list[Client] = []
        self.asked: dict[int, float] = {}  # marker -> sent at
        self.acked: dict[int, float] = {}  # marker -> until the server acknowledged it
        self.received: dict[int, list[float]] = {}  # marker -> receipts
        self.vote_sent: dict[tuple[int, int], float] = {}  # (question id, k-th vote) -> sent at
        self.vote_received: dict[tuple[int, int], list[float]] = {}
        self.votes_cast: dict[int, int] = {}
        self.frames = 0  # Socket.IO messages received by all clients

    def question_received(self, marker: int, t: float) -> None:
        receipts = self.received.get(marker)
        if receipts is not None:
            receipts.append(t)

    def votes_received(self, client: Client, qid: int, count: int, t: float) -> None:
        seen = client.votes_seen.get(qid, 0)
        for k in range(seen + 1, count + 1):
            receipts = self.vote_received.get((qid, k))
            if receipts is not None:
                receipts.append(t)
        client.votes_seen[qid] = max(seen, count)

    async def connect(self) -> dict:
        host, ports = self.args.host, [int(p) for p in str(self.args.port).split(",")]
        gate = asyncio.Semaphore(self.args.concurrency)
        loop = asyncio.get_running_loop()
        times, errors = [], []

        async def one(index: int) -> Client | None:
            client = Client(self, index, self.tokens[index])
            async with gate:
                start = clock()
                try:
                    await asyncio.wait_for(
                        client.open(host, ports[index % len(ports)], self.session_id), 60
                    )
                except Exception as error:  # counted and reported
                    errors.append(repr(error)[:160])
                    return None
                times.append(clock() - start)
            return client

        start = loop.time()
        results = await asyncio.gather(*(one(i) for i in range(self.args.n)))
        wall = loop.time() - start
        self.clients = [c for c in results if c is not None]
        return {
            # what the server wrote meanwhile, per client (the state, acknowledgements,
            # presence counts): independent of the machine's speed, unlike the times
            "messages_per_client": round(self.frames / max(1, self.args.n), 1),
            "connected": len(self.clients),
            "errors": len(errors),
            "error_samples": sorted(set(errors))[:3],
            "all_s": round(wall, 3),
            "per_client_ms": percentiles(times),
        }

    def ask(self, client: Client, marker: int) -> asyncio.Future:
        self.received[marker] = []
        self.asked[marker] = clock()
        text = f"q{marker} Коли громада отримає звіт про бюджет участі?"
        future = client.call("ask", {"session_id": self.session_id, "text": text})
        sent = self.asked[marker]
        future.add_done_callback(lambda _f: self.acked.__setitem__(marker, clock() - sent))
        return future

    async def drain(self, done, timeout: float) -> None:
        deadline = clock() + timeout
        while not done() and clock() < deadline:
            await asyncio.sleep(0.02)

    def question_report(self, markers: list[int]) -> dict:
        n = len(self.clients)
        to_all, deliveries, missing = [], [], 0
        for marker in markers:
            sent, receipts = self.asked[marker], self.received[marker]
            deliveries += [t - sent for t in receipts]
            missing += n - len(receipts)
            if len(receipts) >= n:
                to_all.append(max(receipts) - sent)
        return {
            "questions": len(markers),
            "missing_deliveries": missing,
            "time_to_all_ms": percentiles(to_all),
            # the asker's acknowledgement: the server's handling before it sends anything
            "ack_ms": percentiles([self.acked[m] for m in markers if m in self.acked]),
            "delivery_ms": percentiles(deliveries),
        }

    async def fan_out(self) -> dict:
        args = self.args
        sender = self.clients[0]
        markers = list(range(args.lat_msgs))
        start = clock()
        for marker in markers:
            await asyncio.sleep(max(0.0, start + marker / args.lat_rate - clock()))
            self.ask(sender, marker)
        n = len(self.clients)
        await self.drain(lambda: all(len(self.received[m]) >= n for m in markers), 20)
        return self.question_report(markers)

    async def sustain(self) -> dict:
        args = self.args
        total = int(args.sustain_rate * args.sustain_secs)
        askers = self.clients[1 : 1 + args.askers]
        voters = iter(self.clients[1 + args.askers :] * 10)
        latest: list[int] = []
        markers, votes = [], []

        async def remember(future: asyncio.Future) -> None:
            reply = await future
            if reply.get("ok"):
                latest.append(reply["question_id"])

        pending = []
        start = clock()
        for k in range(total):
            await asyncio.sleep(max(0.0, start + k / args.sustain_rate - clock()))
            if k % 2 == 0 or not latest:
                marker = 1_000_000 + k
                markers.append(marker)
                asked = self.ask(askers[k % len(askers)], marker)
                pending.append(asyncio.ensure_future(remember(asked)))
            else:
                qid = latest[-1 - (k // 2) % min(len(latest), 5)]
                ordinal = self.votes_cast.get(qid, 0) + 1
                self.votes_cast[qid] = ordinal
                self.vote_received[(qid, ordinal)] = []
                self.vote_sent[(qid, ordinal)] = clock()
                next(voters).emit("vote", {"question_id": qid})
                votes.append((qid, ordinal))
        send_wall = clock() - start
        n = len(self.clients)
        await self.drain(
            lambda: (
                all(len(self.received[m]) >= n for m in markers)
                and all(len(self.vote_received[v]) >= n for v in votes)
            ),
            20,
        )
        # An ask the server failed to handle is never acknowledged: don't wait for it.
        _done, unanswered = await asyncio.wait(pending, timeout=5) if pending else ((), ())
        for task in unanswered:
            task.cancel()
        report = self.question_report(markers)
        vote_to_all = [
            max(self.vote_received[v]) - self.vote_sent[v]
            for v in votes
            if len(self.vote_received[v]) >= n
        ]
        report.update(
            {
                "rate_per_s": args.sustain_rate,
                "achieved_rate_per_s": round(total / send_wall, 1),
                "votes": len(votes),
                "votes_seen_by_all": len(vote_to_all),
                "asks_unanswered": len(unanswered),
                "vote_time_to_all_ms": percentiles(vote_to_all),
            }
        )
        return report

    def server_cpu(self) -> float:
        """The server's CPU seconds so far (its process tree; 0 without --server-pid)."""
        return cpu_seconds(self.args.server_pid) if self.args.server_pid else 0.0

    async def phase(self, out: dict, name: str, run) -> None:
        """Run a phase; its share of this process's CPU, and with --server-pid the server's
        CPU it took (and per event)."""
        before, client_before, wall = self.server_cpu(), time.process_time(), clock()
        out[name] = await run()
        # this process's own share of the machine, as the shared harness reports it: a
        # client near 100 % of its core measures its own queue, not the server's
        out[name]["client_cpu_pct"] = round(
            100 * (time.process_time() - client_before) / (clock() - wall), 1
        )
        if self.args.server_pid:
            events = out[name].get("questions", 0) + out[name].get("votes", 0)
            spent = self.server_cpu() - before
            out[name]["server_cpu_s"] = round(spent, 2)
            if events:
                out[name]["server_cpu_ms_per_event"] = round(1000 * spent / events, 2)

    async def hold(self) -> dict:
        """Connected and joined: say so (one line), then read until standard input
        closes; the messages received meanwhile."""
        print(json.dumps({"connected": len(self.clients)}), flush=True)
        frames = self.frames
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        return {"messages": self.frames - frames}

    async def run(self) -> dict:
        out = {"n": self.args.n, "session_id": self.session_id}
        await self.phase(out, "connect", self.connect)
        if self.args.hold:
            out["hold"] = await self.hold()
            return out
        await asyncio.sleep(self.args.settle)
        await self.phase(out, "fan_out", self.fan_out)
        if self.args.sustain_rate:
            await asyncio.sleep(self.args.settle)
            await self.phase(out, "sustain", self.sustain)
        for client in self.clients:
            client.socket.transport.close()
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", required=True, help="a port, or several (client i connects to the i-th modulo)"
    )
    parser.add_argument(
        "--no-batch",
        dest="batch",
        action="store_false",
        help="join without `batch: true` (one event per change, as before batches)",
    )
    parser.add_argument("--world", required=True, help="world.json from bench/live/world.py")
    parser.add_argument("--session", type=int, default=0, help="index into the world's sessions")
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=50, help="handshakes at once")
    parser.add_argument("--settle", type=float, default=1.0)
    parser.add_argument("--lat-msgs", type=int, default=50)
    parser.add_argument("--lat-rate", type=float, default=5)
    parser.add_argument(
        "--hold",
        action="store_true",
        help="after joining, print a line and take messages until standard input closes"
        " (the server's own bench sends them: bench/live/frame_cost.py)",
    )
    parser.add_argument("--sustain-rate", type=float, default=0)
    parser.add_argument("--sustain-secs", type=float, default=10)
    parser.add_argument("--askers", type=int, default=50)
    parser.add_argument("--cpu", type=int, default=-1, help="pin this process to one CPU")
    parser.add_argument(
        "--server-pid", type=int, default=0, help="report this process tree's CPU per phase"
    )
    args = parser.parse_args()
    if args.cpu >= 0:
        os.sched_setaffinity(0, {args.cpu})
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(json.dumps(asyncio.run(Bench(args).run()), ensure_ascii=False))


if __name__ == "__main__":
    main()
