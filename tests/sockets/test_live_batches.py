"""Sockets that join with `batch: true` get a session's changes as `batch` events: the same
changes, to the same audiences, in order, several in one message when they come together."""

import time

from tests.live_fixtures import NS
from tests.sockets.conftest import events


def join(client, session_id: int, batch: bool = True) -> dict:
    client.emit("join", {"session_id": session_id, "batch": batch}, namespace=NS)
    [state] = events(client, "state")
    return state


def batched(client) -> list[tuple[str, dict]]:
    """The items of the batches received so far, in order."""
    return [tuple(item) for batch in events(client, "batch") for item in batch]


def test_batched_sockets_get_the_same_changes_for_the_same_audiences(app, world, connect, live):
    author, other, host, plain = (
        connect("member"),
        connect("outsider"),
        connect("expert"),
        connect("trainee"),
    )
    for client in (author, other, host):
        join(client, live)
    join(plain, live, batch=False)
    for client in (author, other, host, plain):
        client.get_received(NS)

    author.emit("ask", {"session_id": live, "text": "Хто звітує?", "anonymous": True}, namespace=NS)
    [(name, seen)] = batched(other)
    assert name == "question" and seen["text"] == "Хто звітує?" and seen["author"] is None
    assert [q["author"]["name"] for e, q in batched(host) if e == "question"] == ["member"]
    assert batched(author)[-1][1]["author"]["name"] == "member"  # their own, in full
    [single] = events(plain, "question")  # a socket that did not ask keeps single events
    assert single["author"] is None and events(plain, "batch") == []

    other.emit("vote", {"question_id": seen["id"]}, namespace=NS)
    assert ("voted", {"question_id": seen["id"], "voted": True}) in batched(other)
    [counts] = [data for e, data in batched(host) if e == "votes"]
    assert {int(qid): n for qid, n in counts["votes"].items()} == {seen["id"]: 1}
    assert events(plain, "votes")[-1]["votes"] == counts["votes"]

    late = connect("other_expert")
    join(late, live)
    assert [d["count"] for e, d in batched(author) if e == "presence"] == [5]
    assert events(author, "question") == [] and events(author, "presence") == []


def test_joining_again_switches_the_way_without_doubles(app, world, connect, live):
    reader, asker = connect("outsider"), connect("member")
    join(reader, live)
    join(reader, live, batch=False)
    join(asker, live)
    assert join(reader, live, batch=False)["presence"] == 2
    reader.get_received(NS)
    asker.emit("ask", {"session_id": live, "text": "Лише раз?"}, namespace=NS)
    received = reader.get_received(NS)
    assert [(e["name"], e["args"][0]["text"]) for e in received] == [("question", "Лише раз?")]

    join(reader, live)  # and back to batches
    asker.emit("ask", {"session_id": live, "text": "Знову лише раз?"}, namespace=NS)
    assert [q["text"] for e, q in batched(reader) if e == "question"] == ["Знову лише раз?"]
    assert events(reader, "question") == []

    reader.emit("leave", {"session_id": live}, namespace=NS)
    reader.get_received(NS)
    asker.emit("ask", {"session_id": live, "text": "Після виходу"}, namespace=NS)
    assert reader.get_received(NS) == []


def test_changes_that_come_together_go_out_together(app, world, connect, live):
    """With a coalescing window (as in production), a burst of questions reaches a batched
    socket in fewer messages than questions, each once and in the order asked."""
    app.config["COP_LIVE_BROADCAST_WINDOW"] = 0.2
    reader, asker = connect("outsider"), connect("member")
    join(reader, live)
    join(asker, live)
    reader.get_received(NS)
    texts = [f"Питання {i}" for i in range(5)]  # the ask limit is 5 a minute
    for text in texts:
        asker.emit("ask", {"session_id": live, "text": text}, namespace=NS)
    deadline = time.monotonic() + 5
    seen, batches = [], 0
    while len(seen) < len(texts) and time.monotonic() < deadline:
        for batch in events(reader, "batch"):
            batches += 1
            seen += [data["text"] for name, data in batch if name == "question"]
        time.sleep(0.02)
    assert seen == texts
    assert 1 <= batches < len(texts)


def test_batches_carry_pending_questions_only_to_staff_and_their_author(
    app, world, connect, session_factory
):
    from cop.extensions import db
    from cop.live.models import LiveSession

    session_id = session_factory(moderated=True, moderators=["space_moderator"])
    with app.app_context():
        db.session.get(LiveSession, session_id).status = "live"
        db.session.commit()
    author, other, moderator = connect("member"), connect("outsider"), connect("space_moderator")
    for client in (author, other, moderator):
        join(client, session_id)
    for client in (author, other, moderator):
        client.get_received(NS)
    author.emit("ask", {"session_id": session_id, "text": "Чекає схвалення?"}, namespace=NS)
    assert batched(other) == []
    assert [q["status"] for e, q in batched(moderator) if e == "question"] == ["pending"]
    [(_, pending)] = [item for item in batched(author) if item[0] == "question"]
    assert pending["status"] == "pending"

    moderator.emit("moderate", {"question_id": pending["id"], "action": "approve"}, namespace=NS)
    assert [(e, q["status"]) for e, q in batched(other)] == [("question", "visible")]
