"""What a live session's sockets receive, and in which rooms.

Rooms per session: `public` (participants), `staff` (moderators and hosts: they see
pending and hidden questions and who asked anonymous ones) and one per person (their own
pending, hidden and anonymous questions in full). A vote's count, as its statement
returned it, goes out with the process's next round: at once when it is quiet, and under
load the counts that come while it writes one round to the sockets go out together in the
next, one `votes` event per session. Presence goes out at most once per
`COP_LIVE_BROADCAST_WINDOW` seconds (0: both at once, inline), and less often in big
rooms: each count is one write per socket.

A socket that joined with `batch: true` sits in each room's batch twin (`<room>:batch`)
instead and gets `batch` events, each a list of `[event, data]`: the first change after a
quiet moment goes out at once, and the changes that come while the process is still
writing it to every socket go out together as the next one. Under load a client then gets
one message where it would get several, and the process writes one frame per socket
instead of several (docs/live-protocol.md, docs/benchmarks.md).
"""

import itertools
import json
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from cop import cooperative, events, frames
from cop.db import write_last
from cop.extensions import db, socketio
from cop.live import audience
from cop.live.models import LiveQuestion, LiveSession, QuestionStatus
from cop.realtime import (
    CONTROL,
    NAMESPACE,
    everywhere,
    local_count,
    local_sids,
    wait_until_idle,
)

log = logging.getLogger(__name__)


def public_room(session_id: int) -> str:
    return f"live:{session_id}:public"


def staff_room(session_id: int) -> str:
    return f"live:{session_id}:staff"


def person_room(session_id: int, user_id: int) -> str:
    return f"live:{session_id}:user:{user_id}"


BATCH = ":batch"


def batch_twin(room: str) -> str:
    """The room of the sockets that take this room's events in batches."""
    return room + BATCH


_DISCUSSION = "discussion:"


def discussion_room(discussion_id: int) -> str:
    """Open pages of one discussion (cop/live/replies.py)."""
    return f"{_DISCUSSION}{discussion_id}"


def discussion_of(room: str) -> int | None:
    """The discussion whose open pages `room` holds, if it is such a room."""
    return int(room.removeprefix(_DISCUSSION)) if room.startswith(_DISCUSSION) else None


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def question_out(question: LiveQuestion, full: bool) -> dict:
    """`full`: for staff and the author; otherwise an anonymous question has no author."""
    shown = full or not question.anonymous
    return {
        "id": question.id,
        "session_id": question.session_id,
        "text": question.text,
        "status": question.status.value,
        "anonymous": question.anonymous,
        "author": (
            {"id": question.author_id, "name": question.author.display_name} if shown else None
        ),
        "votes": question.vote_count,
        "votes_seq": question.vote_seq,
        "seq": question.seq,
        "answer": question.answer,
        "answered_at": _iso(question.answered_at),
        "created_at": _iso(question.created_at),
    }


def session_out(session: LiveSession) -> dict:
    return {
        "id": session.id,
        "space_id": session.space_id,
        "title": session.title,
        "status": session.status.value,
        "scheduled_at": _iso(session.scheduled_at),
        "started_at": _iso(session.started_at),
        "ended_at": _iso(session.ended_at),
        "moderated": session.moderated,
        "anonymous_allowed": session.anonymous_allowed,
        "max_question_length": session.max_question_length,
        "highlighted_id": session.highlighted_id,
        "archive_id": session.archive_id,
        "seq": session.seq,
    }


def number_last(session_id: int, numbered, question_id: int | None = None) -> None:
    """Give the change the session's next change number, as the transaction's last write
    (cop/db.py, `write_last`: on PostgreSQL in the COMMIT's round trip), and the question
    changed, if any, that number too; `numbered(seq)` gets it once the transaction has
    committed. The session's row stays locked from that UPDATE to the COMMIT, so the
    numbers are in commit order: a snapshot read at number n holds every change up to n
    (docs/live-protocol.md). Taken last, the lock is never held while the writer's greenlet
    waits for a busy event loop: taken first, questions asked at once queued on the row
    for seconds (docs/benchmarks.md, "Head-of-line, session 12")."""
    write_last(
        db.session,
        update(LiveSession)
        .where(LiveSession.id == session_id)
        .values(seq=LiveSession.seq + 1)
        .returning(LiveSession.seq)
        .execution_options(synchronize_session=False),
        lambda rows: numbered(rows[0][0]),
    )
    if question_id is not None:
        latest = select(LiveSession.seq).where(LiveSession.id == session_id).scalar_subquery()
        write_last(
            db.session,
            update(LiveQuestion)
            .where(LiveQuestion.id == question_id)
            .values(seq=latest)
            .execution_options(synchronize_session=False),
        )


def question_changed(question: LiveQuestion, was_visible: bool) -> None:
    """Send a new or changed question to whoever may see it, once the transaction commits
    (call it before the commit, after a flush), with the session's next change number
    (`number_last`). Participants who saw it before it was hidden get only its id and
    status, so their lists drop it."""
    session_id = question.session_id
    full = question_out(question, full=True)
    items = []
    if question.status == QuestionStatus.VISIBLE:
        items.append(("question", question_out(question, full=False), public_room(session_id)))
    elif was_visible:
        stub = {"id": question.id, "session_id": session_id, "status": question.status.value}
        items.append(("question", stub, public_room(session_id)))
    rooms = [staff_room(session_id)]
    if question.status != QuestionStatus.VISIBLE or question.anonymous:
        rooms.append(person_room(session_id, question.author_id))
    items.append(("question", full, rooms))

    def numbered(seq: int) -> None:
        set_committed_value(question, "seq", seq)
        for _event, data, _rooms in items:
            data["seq"] = seq

    number_last(session_id, numbered, question.id)
    send_after_commit(items)


def session_changed(session: LiveSession) -> None:
    """Send the session's new state once the transaction commits (call it before), with
    its next change number (`number_last`)."""
    data = session_out(session)

    def numbered(seq: int) -> None:
        set_committed_value(session, "seq", seq)
        data["seq"] = seq

    number_last(session.id, numbered)
    send_after_commit([("session", data, [public_room(session.id), staff_room(session.id)])])


def local_presence(session_id: int) -> int:
    """The sockets in the session on this process."""
    rooms = (public_room(session_id), staff_room(session_id))
    return sum(local_count(r) + local_count(batch_twin(r)) for r in rooms)


def presence_count(session_id: int) -> int:
    """The sockets in the session on every server process: this one's, and what each of
    the others last said of theirs (`heard`), unless it has not said it for PRESENCE_STALE
    seconds (a process that stopped)."""
    app = current_app._get_current_object()
    here = _host(app)
    return local_presence(session_id) + sum(
        count for host, count in _counts(app, session_id).items() if host != here
    )


# With several server processes each says how many of a session's sockets it holds (the
# `presence` control message) whenever that changes, and again every PRESENCE_BEAT
# seconds while it holds any; a count not said again for PRESENCE_STALE seconds is
# dropped from the sums. A process's counts carry a number that grows as it reads them:
# said from different greenlets (its own changes, its answers to another's ask, its
# beat), they may reach the others in another order, and an older count never replaces
# a newer one.
PRESENCE = "presence"
PRESENCE_BEAT = 20.0
PRESENCE_STALE = 3 * PRESENCE_BEAT


@dataclass
class _Heard:
    # session -> host -> (count, when heard, the host's number for that count)
    counts: dict[int, dict[str, tuple[int, float, int]]] = field(default_factory=dict)
    said: Iterator[int] = field(default_factory=itertools.count)
    beating: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


def _heard(app: Flask) -> _Heard:
    return app.extensions.setdefault("cop_live_presence", _Heard())


def _host(app: Flask) -> str:
    control = app.extensions.get(CONTROL)
    return control.host if control is not None else "here"


def _counts(app: Flask, session_id: int) -> dict[str, int]:
    heard, now = _heard(app), time.monotonic()
    with heard.lock:
        said = dict(heard.counts.get(session_id, {}))
    return {host: count for host, (count, at, _n) in said.items() if now - at < PRESENCE_STALE}


def _say_presence(app: Flask, session_id: int) -> int:
    """Tell every process how many of the session's sockets this one holds; returns it.
    A process that held none there before (its first socket in the session, maybe its
    first at all: it may have missed what the others said) asks them to say theirs."""
    here, heard = _host(app), _heard(app)
    with heard.lock:
        count, number = local_presence(session_id), next(heard.said)
        ask = not heard.counts.get(session_id, {}).get(here, (0, 0, 0))[0]
    everywhere(PRESENCE, json.dumps([session_id, here, count, ask, number]))
    return count


def hear_presence(arg: str) -> None:
    """A process's count of a session's sockets (the `presence` control message): kept,
    and the session's new total sent to this process's sockets in it."""
    session_id, host, count, ask, number = json.loads(arg)
    app = current_app._get_current_object()
    heard = _heard(app)
    with heard.lock:
        hosts = heard.counts.setdefault(session_id, {})
        if number > hosts.get(host, (0, 0, -1))[2]:
            hosts[host] = (count, time.monotonic(), number)
        mine, mine_number = local_presence(session_id), next(heard.said)
    if host != _host(app) and ask and mine:
        everywhere(PRESENCE, json.dumps([session_id, _host(app), mine, False, mine_number]))
    if host != _host(app) and not mine:
        return
    body = {"session_id": session_id, "count": presence_count(session_id)}
    deliver(json.dumps([[PRESENCE, body, [public_room(session_id), staff_room(session_id)]]]))


def _beat(app: Flask) -> None:
    """Say this process's counts again every PRESENCE_BEAT seconds while it holds sockets
    in a session, so that the others keep them (and drop those of a process that
    stopped)."""
    heard, here = _heard(app), _host(app)
    while True:
        socketio.sleep(PRESENCE_BEAT)
        with heard.lock:
            sessions = [s for s, said in heard.counts.items() if said.get(here, (0, 0, 0))[0]]
        if not sessions:
            with heard.lock:
                heard.beating = False
            return
        with app.app_context():
            for session_id in sessions:
                _say_presence(app, session_id)


def send(event: str, data: dict, to: str | Iterable[str]) -> None:
    """Send a session's event to its rooms, in every server process (each checks its own
    sockets: `deliver`)."""
    send_all([(event, data, to)])


def send_all(items: list[tuple[str, dict, str | Iterable[str]]]) -> None:
    """Send several events of a session, `(event, data, rooms)`, as one control message:
    one publish to the other processes for what one change causes."""
    rooms = [[to] if isinstance(to, str) else list(to) for _event, _data, to in items]
    order = [[event, data, to] for (event, data, _to), to in zip(items, rooms, strict=True)]
    everywhere(SEND, json.dumps(order))


def send_after_commit(items: list[tuple[str, dict, str | Iterable[str]]]) -> None:
    """`send_all(items)` once the session's transaction commits, never if it rolls back."""
    events.after_commit(send_all, items)


SEND = "live"  # the control message of a session's events
VOTES = "votes"


def deliver(arg: str) -> None:
    """Send a session's events (`[[event, data, rooms], ...]`, the `live` control message)
    to this process's sockets in their rooms whose person may have them now
    (cop/live/audience.py): at once to the sockets that take events one by one, and into
    the next batch for the batch twins. Vote counts go out with the next round for both
    (`_queue`: counts that come while a round is written go out together). A process with
    no socket in the rooms does nothing."""
    round_, queued = audience.Round(), []
    for event, data, rooms in json.loads(arg):
        for room in rooms:
            if event == VOTES:
                queued.append((room, event, data))
            else:
                _emit(event, data, room, round_)
            queued.append((batch_twin(room), event, data))
    queued = [item for item in queued if local_count(item[0])]
    if not queued:
        return
    app = current_app._get_current_object()
    batches = _batches(app)
    with batches.lock:
        for room, event, data in queued:
            _queue(batches.rooms.setdefault(room, []), event, data)
        if batches.running:
            return
        batches.running = True
    if app.config["COP_LIVE_BROADCAST_WINDOW"] <= 0:
        _send_batches(app, wait=False)
        return
    # The first round goes out here and now: a task of its own would first wait for a
    # turn of the event loop (up to 57 ms at p99 under the head-of-line bench's heavy
    # clients). The task sends what comes while this round is written.
    _send_round(app, _next_round(batches))
    socketio.start_background_task(_send_batches, app)


def _queue(pending: list[list], event: str, data: dict) -> None:
    """Add an event to a room's next round; a session's vote counts join the counts
    already waiting there (per question the one with the highest `votes_seq`: a client
    keeps that one whatever the order)."""
    if event == VOTES:
        for item in pending:
            if item[0] == VOTES and item[1]["session_id"] == data["session_id"]:
                item[1] = _merged(item[1], data)
                return
    pending.append([event, data])


def _merged(counts: dict, newer: dict) -> dict:
    votes, seqs = dict(counts["votes"]), dict(counts["votes_seq"])
    for qid, seq in newer["votes_seq"].items():
        if seq > seqs.get(qid, -1):
            votes[qid], seqs[qid] = newer["votes"][qid], seq
    return {**counts, "votes": votes, "votes_seq": seqs}


def _emit(event: str, data, room: str, round_: audience.Round) -> None:
    """To this process's sockets in `room` whose person may have its events now; a
    failure is logged, never raised (the write it tells of stands)."""
    try:
        sids = local_sids(room)
        if not sids:
            return
        skip = audience.refused(room, sids, round_)
        if len(skip) == len(sids):
            return
        frames.emit(socketio.server, event, data, NAMESPACE, room, set(skip))
    except Exception:
        log.exception("could not send %s", event)


@dataclass
class _Batches:
    rooms: dict[str, list[list]] = field(default_factory=dict)  # room -> its next round
    running: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


def _batches(app: Flask) -> _Batches:
    return app.extensions.setdefault("cop_live_batches", _Batches())


# The longest a round waits for the one before it to be written to every socket.
BATCH_WAIT = 0.1


def _send_batches(app: Flask, wait: bool = True) -> None:
    """Wait until the process has written the round before (or BATCH_WAIT has passed),
    send what has gathered meanwhile (to a batch twin as one `batch`, to a room of single
    events its counts), and again, until nothing more came."""
    batches = _batches(app)
    while True:
        if wait:
            wait_until_idle(BATCH_WAIT)
        rooms = _next_round(batches)
        if rooms is None:
            return
        _send_round(app, rooms)


def _next_round(batches: _Batches) -> dict[str, list[list]] | None:
    """What has gathered for the next round, or None (and the rounds stop) if nothing."""
    with batches.lock:
        rooms, batches.rooms = batches.rooms, {}
        if not rooms:
            batches.running = False
            return None
        return rooms


def _send_round(app: Flask, rooms: dict[str, list[list]]) -> None:
    # An app context of its own, for the audience's queries, which go on without letting
    # other work in (a webinar waits for them).
    with app.app_context(), cooperative.urgent():
        round_ = audience.Round()
        for room, items in rooms.items():
            if room.endswith(BATCH):
                _emit("batch", items, room, round_)
            else:
                for event, data in items:
                    _emit(event, data, room, round_)


def vote_counted(count, question_id: int, session_id: int, voter_id: int, up: bool) -> None:
    """After a vote or unvote that changed something (call it before the commit, with the
    UPDATE `count` of the question's vote_count and vote_seq, returning them with its
    status): the count is the transaction's last write (cop/db.py, `write_last`: a popular
    question's row is hot), and its result goes to the session (participants only for a
    visible question), and `voted` to the voter's own sockets, once the transaction
    commits."""
    key = str(question_id)
    counts = {"session_id": session_id, "votes": {}, "votes_seq": {}}
    rooms = [staff_room(session_id)]

    def counted(rows) -> None:
        vote_count, vote_seq, status = rows[0]
        counts["votes"][key], counts["votes_seq"][key] = vote_count, vote_seq
        if status == QuestionStatus.VISIBLE:
            rooms.insert(0, public_room(session_id))

    write_last(db.session, count, counted)
    voted = {"question_id": question_id, "voted": up}
    send_after_commit([(VOTES, counts, rooms), ("voted", voted, person_room(session_id, voter_id))])


@dataclass
class _Pending:
    presence: set[int] = field(default_factory=set)
    presence_written: int = 0  # sockets the last presence round wrote to on this process
    running: bool = False  # a task is sending presence
    lock: threading.Lock = field(default_factory=threading.Lock)


def _pending(app: Flask) -> _Pending:
    return app.extensions.setdefault("cop_live_pending", _Pending())


# A process's presence rounds, sized by its own sockets in the room, come at most this many
# times a second per socket (every process writes each round to its sockets). In a join
# storm the count changes with every arrival: at four rounds a second from each process,
# 1,000 clients got 20-40 counts each while joining, more writes than the arrivals' own
# (docs/benchmarks.md, "Live, session 10").
PRESENCE_WRITES_PER_SECOND = 250


def presence_pause(window: float, written: int) -> float:
    """Seconds between presence rounds: the window, or longer when the last round wrote to
    more sockets than PRESENCE_WRITES_PER_SECOND allows in it."""
    return max(window, written / PRESENCE_WRITES_PER_SECOND)


def presence_changed(session_id: int) -> None:
    """Presence goes out at most once per COP_LIVE_BROADCAST_WINDOW, and in big rooms at
    most once per `presence_pause`: a thousand people joining make a few counts, not a
    thousand."""
    app = current_app._get_current_object()
    pending = _pending(app)
    with pending.lock:
        pending.presence.add(session_id)
    if app.config["COP_LIVE_BROADCAST_WINDOW"] <= 0:  # inline, as tests want
        _flush_presence(app)
        return
    with pending.lock:
        if pending.running:
            return
        pending.running = True
    socketio.start_background_task(_send_presence, app)


def _send_presence(app: Flask) -> None:
    """Wait for the window, send the counts that changed, pause (`presence_pause`) and
    again, until nothing changed meanwhile."""
    pending = _pending(app)
    window = app.config["COP_LIVE_BROADCAST_WINDOW"]
    socketio.sleep(window)
    while True:
        with pending.lock:
            if not pending.presence:
                pending.running = False
                return
        try:
            with app.app_context():
                _flush_presence(app)
        except Exception:
            log.exception("live presence failed")
        socketio.sleep(presence_pause(window, pending.presence_written))


def _flush_presence(app: Flask) -> None:
    pending = _pending(app)
    with pending.lock:
        presence, pending.presence = pending.presence, set()
    written = 0
    for session_id in presence:
        written += _say_presence(app, session_id)
    pending.presence_written = written
    heard = _heard(app)
    with heard.lock:
        start = CONTROL in app.extensions and not heard.beating
        heard.beating = heard.beating or start
    if start:
        socketio.start_background_task(_beat, app)
