"""A whole webinar against the real app under `cop run`: N participants join over
`--join-secs`, then for `--secs` they ask and vote, a moderator approves (or, one in ten,
hides) each question a few seconds after it comes in, the host answers the most voted
question every `--answer-every` seconds, and at the end the host ends the session.

    ulimit -n 20000
    COP_INSTANCE_PATH=/tmp/cop-webinar python bench/live/webinar.py --n 1000 --secs 600

The database (`COP_DATABASE_URL`, or SQLite in the instance folder) gets its schema if it
has none, and each run adds its own people, tokens, space and moderated session. Reports,
as one JSON object: p50 / p99 per event type (`ack`: until the server acknowledged it;
`to_all`: until every participant had its effect), the server's CPU and memory, and the
check of the archive: every approved question in it exactly once, no hidden one.
"""

import argparse
import asyncio
import json
import os
import random
import secrets
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from loadclient import NS, Socket, clock, percentiles
from run import COP, cpu_seconds, stop, wait_http, wait_settled


def prepare(n: int) -> dict:
    """People with API tokens, a forum space and a live, moderated session."""
    from sqlalchemy import inspect

    from cop import create_app
    from cop.accounts.models import AccessToken, Role, User
    from cop.accounts.service import TOKEN_PREFIX, _hash_token
    from cop.cli import init_database
    from cop.db import utcnow
    from cop.extensions import db
    from cop.live import service
    from cop.live.models import LiveSession, SessionStatus
    from cop.spaces.models import Space, SpaceKind, Visibility

    app = create_app()
    tag = secrets.token_hex(3)
    with app.app_context():
        if not inspect(db.engine).has_table("live_session"):
            init_database()

        def person(name: str, role: Role) -> tuple[User, str]:
            user = User(
                email=f"{name}-{tag}@bench.test",
                display_name=name,
                role=role,
                password_hash="!",
            )
            raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
            db.session.add(AccessToken(user=user, name="webinar", token_hash=_hash_token(raw)))
            return user, raw

        host, host_token = person("Ведуча", Role.EXPERT)
        moderator, moderator_token = person("Модератор", Role.EXPERT)
        space = Space(
            kind=SpaceKind.FORUM, visibility=Visibility.SIGNED_IN, title="Вебінар", description=""
        )
        db.session.add(space)
        tokens = []
        for first in range(0, n, 200):
            for i in range(first, min(n, first + 200)):
                tokens.append(person(f"Учасник {i}", Role.MEMBER)[1])
            db.session.flush()
        db.session.commit()
        session = service.schedule_session(
            host,
            space,
            title="Бюджет участі: питання громади",
            scheduled_at=utcnow() + timedelta(minutes=5),
            moderated=True,
            moderator_ids=[moderator.id],
        )
        service.start_session(host, db.session.get(LiveSession, session.id))
        assert db.session.get(LiveSession, session.id).status == SessionStatus.LIVE
        return {
            "session_id": session.id,
            "host": host_token,
            "moderator": moderator_token,
            "tokens": tokens,
        }


def archive_check(archive_id: int, approved: set[int], hidden: set[int]) -> dict:
    """Every approved question's marker in the archive's replies exactly once, no hidden."""
    from sqlalchemy import select

    from cop import create_app
    from cop.discussions.models import Post
    from cop.extensions import db

    app = create_app()
    with app.app_context():
        bodies = db.session.scalars(select(Post.body).where(Post.discussion_id == archive_id))
        seen = Counter(int(m) for body in bodies for m in _markers(body))
    return {
        "approved": len(approved),
        "hidden": len(hidden),
        "archived": sum(seen.values()),
        "missing": sorted(approved - set(seen))[:20],
        "doubled": sorted(m for m, c in seen.items() if c > 1)[:20],
        "hidden_archived": sorted(hidden & set(seen))[:20],
        "ok": set(seen) == approved and all(c == 1 for c in seen.values()),
    }


def _markers(body: str) -> list[str]:
    return [word[2:] for word in body.split() if word.startswith("#w") and word[2:].isdigit()]


class Person:
    """One socket of the webinar: acknowledgements, and the effects it has seen."""

    def __init__(self, web: "Webinar", token: str, participant: bool):
        self.web, self.token, self.participant = web, token, participant
        self.acks: dict[int, tuple[asyncio.Future, float]] = {}
        self.next_ack = 0
        self.connected = asyncio.get_running_loop().create_future()
        self.counts: dict[int, int] = {}
        self.visible: set[int] = set()
        self.answered: set[int] = set()
        self.voted: set[int] = set()
        self.socket: Socket | None = None

    async def open(self) -> None:
        args = self.web.args
        _, self.socket = await asyncio.get_running_loop().create_connection(
            lambda: Socket(f"127.0.0.1:{args.port}", self.on_text), "127.0.0.1", args.port
        )
        await self.socket.upgraded
        await self.connected
        reply, _ms = await self.call("join", {"session_id": self.web.session_id, "batch": True})
        if not reply.get("ok"):
            raise RuntimeError(f"join refused: {reply}")

    def call(self, event: str, data: dict) -> asyncio.Future:
        """Send an event; the future gives (acknowledgement, ms until it came)."""
        ack = self.next_ack
        self.next_ack += 1
        future = asyncio.get_running_loop().create_future()
        self.acks[ack] = (future, clock())
        self.socket.send(f"42{NS},{ack}{json.dumps([event, data], separators=(',', ':'))}")
        return future

    def on_text(self, data: bytes, t: float) -> None:
        text = data.decode()
        if text == "2":
            self.socket.send("3")
        elif text.startswith("0"):
            self.socket.send(f"40{NS},{json.dumps({'token': self.token})}")
        elif text.startswith(f"40{NS},"):
            self.connected.set_result(True)
        elif text.startswith(f"44{NS},"):
            self.connected.set_exception(RuntimeError(f"connect refused: {text}"))
        elif text.startswith(f"43{NS},"):
            body = text[len(NS) + 3 :]
            bracket = body.index("[")
            future, sent = self.acks.pop(int(body[:bracket]), (None, 0))
            if future is not None and not future.done():
                future.set_result((json.loads(body[bracket:])[0], 1000 * (t - sent)))
        elif text.startswith(f"42{NS},"):
            event, data = json.loads(text[len(NS) + 3 :])
            for name, item in data if event == "batch" else [(event, data)]:
                self.web.seen(self, name, item, t)


class Webinar:
    def __init__(self, args, world: dict):
        self.args, self.session_id = args, world["session_id"]
        self.world = world
        self.people: list[Person] = []
        self.host = self.moderator = None
        self.acks: dict[str, list[float]] = {}
        self.to_all: dict[str, list[float]] = {}
        self.receipts: dict[tuple, list[float]] = {}  # (kind, key) -> receipt times
        self.sent: dict[tuple, float] = {}
        self.pending: list[tuple[int, int, float]] = []  # (question id, marker, seen at)
        self.visible: list[int] = []
        self.answered: set[int] = set()
        self.markers: dict[int, int] = {}  # question id -> marker
        self.approved: set[int] = set()
        self.hidden: set[int] = set()
        self.votes_cast: Counter = Counter()
        self.ended_sent = 0.0

    def seen(self, person: Person, name: str, item: dict, t: float) -> None:
        if name == "question":
            qid = item["id"]
            if person is self.moderator and item.get("status") == "pending":
                marker = int(item["text"].split()[0][2:])
                if qid not in self.markers:
                    self.markers[qid] = marker
                    self.pending.append((qid, marker, t))
            if not person.participant:
                return
            if item.get("status") == "visible" and qid not in person.visible:
                person.visible.add(qid)
                self._receipt(("approve", qid), t)
            if item.get("answer") and qid not in person.answered:
                person.answered.add(qid)
                self._receipt(("answer", qid), t)
        elif name == "votes" and person.participant:
            for key, count in item["votes"].items():
                qid = int(key)
                before = person.counts.get(qid, 0)
                for k in range(before + 1, count + 1):
                    self._receipt(("vote", (qid, k)), t)
                person.counts[qid] = max(before, count)
        elif name == "session" and person.participant and item.get("status") == "ended":
            self._receipt(("end", 0), t)

    def _receipt(self, key: tuple, t: float) -> None:
        receipts = self.receipts.get(key)
        if receipts is not None:
            receipts.append(t)

    def expect(self, kind: str, key) -> None:
        self.receipts[(kind, key)] = []
        self.sent[(kind, key)] = clock()

    async def acked(self, kind: str, future: asyncio.Future) -> dict:
        reply, ms = await future
        if reply.get("ok"):
            self.acks.setdefault(kind, []).append(ms / 1000)
        else:
            self.acks.setdefault(kind + "_refused", []).append(ms / 1000)
        return reply

    async def join_all(self) -> dict:
        args = self.args
        self.host = Person(self, self.world["host"], participant=False)
        self.moderator = Person(self, self.world["moderator"], participant=False)
        await self.host.open()
        await self.moderator.open()
        times, errors = [], []

        async def one(index: int, token: str) -> None:
            await asyncio.sleep(index * args.join_secs / args.n)
            person = Person(self, token, participant=True)
            start = clock()
            try:
                await asyncio.wait_for(person.open(), 60)
            except Exception as error:
                errors.append(repr(error)[:160])
                return
            times.append(clock() - start)
            self.people.append(person)

        start = clock()
        tokens = self.world["tokens"][: args.n]
        await asyncio.gather(*(one(i, token) for i, token in enumerate(tokens)))
        self.acks["join"] = times
        return {"joined": len(self.people), "errors": errors[:3], "wall_s": clock() - start}

    async def session(self) -> None:
        args, rng = self.args, random.Random(7)
        tasks, start, marker = [], clock(), 0
        next_ask = next_vote = next_answer = start
        while clock() - start < args.secs:
            now = clock()
            if now >= next_ask:
                next_ask += 1 / args.ask_rate
                marker += 1
                asker = rng.choice(self.people)
                text = f"#w{marker} Чи встигне громада подати проєкти бюджету участі до квітня?"
                call = asker.call("ask", {"session_id": self.session_id, "text": text})
                tasks.append(asyncio.ensure_future(self.acked("ask", call)))
            if now >= next_vote and self.visible:
                next_vote += 1 / args.vote_rate
                tasks.append(asyncio.ensure_future(self.vote(rng)))
            while self.pending and now - self.pending[0][2] >= args.moderation_delay:
                qid, number, _at = self.pending.pop(0)
                tasks.append(asyncio.ensure_future(self.moderate(qid, number)))
            if now >= next_answer + args.answer_every:
                next_answer = now
                tasks.append(asyncio.ensure_future(self.answer()))
            await asyncio.sleep(0.005)
        await asyncio.wait(tasks, timeout=30)
        await self.drain(10)

    async def vote(self, rng: random.Random) -> None:
        voter = rng.choice(self.people)
        choices = [q for q in self.visible[-20:] if q not in voter.voted]
        if not choices:
            return
        qid = rng.choice(choices)
        voter.voted.add(qid)
        self.votes_cast[qid] += 1
        self.expect("vote", (qid, self.votes_cast[qid]))
        await self.acked("vote", voter.call("vote", {"question_id": qid}))

    async def moderate(self, qid: int, marker: int) -> None:
        action = "hide" if marker % 10 == 3 else "approve"
        if action == "approve":
            self.expect("approve", qid)
        call = self.moderator.call("moderate", {"question_id": qid, "action": action})
        reply = await self.acked(action, call)
        if reply.get("ok"):
            (self.approved if action == "approve" else self.hidden).add(marker)
            if action == "approve":
                self.visible.append(qid)

    async def answer(self) -> None:
        top = [q for q in self.visible if q not in self.answered]
        if not top:
            return
        qid = max(top, key=lambda q: self.votes_cast[q])
        self.answered.add(qid)
        self.expect("answer", qid)
        text = "Так: подання триває до 15 квітня, форма на сайті громади."
        await self.acked("answer", self.host.call("answer", {"question_id": qid, "text": text}))

    async def end(self) -> int:
        self.expect("end", 0)
        reply = await self.acked("end", self.host.call("end", {"session_id": self.session_id}))
        await self.drain(20)
        return reply.get("archive_id")

    async def drain(self, timeout: float) -> None:
        deadline = clock() + timeout
        n = len(self.people)
        while clock() < deadline and any(len(r) < n for r in self.receipts.values()):
            await asyncio.sleep(0.05)

    def report(self) -> dict:
        n = len(self.people)
        to_all: dict[str, list[float]] = {}
        missing: Counter = Counter()
        for (kind, key), receipts in self.receipts.items():
            if len(receipts) >= n:
                to_all.setdefault(kind, []).append(max(receipts) - self.sent[(kind, key)])
            else:
                missing[kind] += 1
        return {
            "ack_ms": {kind: percentiles(values) for kind, values in self.acks.items()},
            "to_all_ms": {kind: percentiles(values) for kind, values in to_all.items()},
            "not_seen_by_all": dict(missing),
        }


class Sampler:
    """The server's CPU seconds and resident memory (its process tree), once a second."""

    def __init__(self, pid: int):
        self.pid, self.peak_rss_mb, self.rss_mb = pid, 0.0, 0.0

    def rss(self) -> float:
        total, pids = 0, [self.pid]
        while pids:
            pid = pids.pop()
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
                pids += [int(c) for c in children]
            except (FileNotFoundError, ProcessLookupError):
                continue
        return total / 1024

    async def run(self) -> None:
        while True:
            self.rss_mb = self.rss()
            self.peak_rss_mb = max(self.peak_rss_mb, self.rss_mb)
            await asyncio.sleep(1)


async def main_async(args, world: dict, server: subprocess.Popen) -> dict:
    web = Webinar(args, world)
    sampler = Sampler(server.pid)
    sampling = asyncio.ensure_future(sampler.run())
    cpu = {"start": cpu_seconds(server.pid)}
    out = {"n": args.n, "join": await web.join_all()}
    cpu["joined"] = cpu_seconds(server.pid)
    out["rss_after_join_mb"] = round(sampler.rss(), 1)
    started = clock()
    await web.session()
    cpu["session"] = cpu_seconds(server.pid)
    session_s = clock() - started
    archive_id = await web.end()
    sampling.cancel()
    out.update(web.report())
    out["server"] = {
        "cpu_join_s": round(cpu["joined"] - cpu["start"], 2),
        "cpu_session_s": round(cpu["session"] - cpu["joined"], 2),
        "cpu_session_pct": round(100 * (cpu["session"] - cpu["joined"]) / session_s, 1),
        "rss_peak_mb": round(sampler.peak_rss_mb, 1),
        "rss_end_mb": round(sampler.rss(), 1),
    }
    out["questions"] = {"asked": len(web.markers), "answered": len(web.answered)}
    out["archive_id"] = archive_id
    for person in [web.host, web.moderator, *web.people]:
        person.socket.transport.close()
    out["archive"] = archive_check(archive_id, web.approved, web.hidden) if archive_id else None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="participants")
    parser.add_argument("--join-secs", type=float, default=30)
    parser.add_argument("--secs", type=float, default=600, help="asking and voting")
    parser.add_argument("--ask-rate", type=float, default=0.5, help="questions a second")
    parser.add_argument("--vote-rate", type=float, default=5, help="votes a second")
    parser.add_argument("--moderation-delay", type=float, default=3)
    parser.add_argument("--answer-every", type=float, default=20)
    parser.add_argument("--port", type=int, default=6150)
    parser.add_argument("--log", default=None, help="the server's output (default: discarded)")
    args = parser.parse_args()
    world = prepare(args.n)
    with open(args.log or os.devnull, "w") as log:
        server = subprocess.Popen(
            [COP, "run", "--port", str(args.port)], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_http(f"http://127.0.0.1:{args.port}/login", server)
        wait_settled(server.pid)  # every worker started (the first answers before the rest)
        result = asyncio.run(main_async(args, world, server))
        result["load_avg"] = os.getloadavg()
    finally:
        stop(server)
    print(json.dumps(result, ensure_ascii=False))
    sys.exit(0 if result.get("archive", {}) and result["archive"]["ok"] else 1)


if __name__ == "__main__":
    main()
