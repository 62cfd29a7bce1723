import pytest

from cop.extensions import socketio
from tests.conftest import bearer
from tests.sockets.conftest import NS, events, join, received


def test_guest_is_refused_at_connect_and_receives_nothing(app, world, connect, live):
    client = connect(None)
    assert not client.is_connected(NS)
    assert client.queue == []


def test_bad_token_is_refused_and_a_good_one_connects(app, world, live):
    bad = socketio.test_client(app, namespace=NS, auth={"token": "nope"})
    assert not bad.is_connected(NS)
    raw = bearer(app, world.users["member"])["Authorization"].split()[1]
    good = socketio.test_client(app, namespace=NS, auth={"token": raw})
    assert good.is_connected(NS)
    state = join(good, live)
    assert state["me"]["id"] == world.users["member"].id
    good.disconnect(NS)


def test_join_refused_for_a_session_the_user_may_not_view(app, world, connect, session_factory):
    members_only = session_factory(space="forum_members", host="admin")
    outsider = connect("outsider")
    outsider.emit("join", {"session_id": members_only}, namespace=NS)
    assert received(outsider) == [
        ("error", {"code": "not_found", "message": "Не знайдено."}),
    ]
    # and the questions asked there do not reach them
    member = connect("member")
    join(member, members_only)
    member.emit("ask", {"session_id": members_only, "text": "Хто веде протокол?"}, namespace=NS)
    assert outsider.get_received(NS) == []


def test_join_gives_the_state_ordered_by_votes_then_time(app, world, connect, live):
    member, outsider, trainee = connect("member"), connect("outsider"), connect("trainee")
    for text in ("Перше?", "Друге?", "Третє?"):
        member.emit("ask", {"session_id": live, "text": text}, namespace=NS)
    member.get_received(NS)
    state = join(outsider, live)
    first, second, third = (q["id"] for q in state["questions"])
    outsider.emit("vote", {"question_id": third}, namespace=NS)
    trainee.emit("vote", {"question_id": third}, namespace=NS)
    trainee.emit("vote", {"question_id": second}, namespace=NS)
    state = join(connect("space_moderator"), live)
    assert [q["text"] for q in state["questions"]] == ["Третє?", "Друге?", "Перше?"]
    assert [q["votes"] for q in state["questions"]] == [2, 1, 0]
    assert sorted(join(trainee, live)["my_votes"]) == sorted([third, second])


def test_a_question_reaches_everyone_in_the_room(app, world, connect, live):
    asker, other, expert = connect("member"), connect("outsider"), connect("expert")
    for client in (asker, other, expert):
        join(client, live)
        client.get_received(NS)
    asker.emit("ask", {"session_id": live, "text": "Як залучити молодь?"}, namespace=NS)
    for client in (asker, other, expert):
        [question] = events(client, "question")
        assert question["text"] == "Як залучити молодь?"
        assert question["author"]["name"] == "member"


def test_votes_are_idempotent_and_counted_once(app, world, connect, live):
    asker, voter = connect("member"), connect("outsider")
    join(asker, live)
    join(voter, live)
    asker.emit("ask", {"session_id": live, "text": "Скільки коштує?"}, namespace=NS)
    [question] = events(voter, "question")
    asker.get_received(NS)
    acks = [
        voter.emit("vote", {"question_id": question["id"]}, namespace=NS, callback=True)
        for _ in range(3)
    ]
    assert [a["changed"] for a in acks] == [True, False, False]
    counts = [e["votes"][str(question["id"])] for e in events(asker, "votes")]
    assert counts == [1]
    assert voter.emit("unvote", {"question_id": question["id"]}, namespace=NS, callback=True)[
        "changed"
    ]
    assert not voter.emit("unvote", {"question_id": question["id"]}, namespace=NS, callback=True)[
        "changed"
    ]
    assert [e["votes"][str(question["id"])] for e in events(asker, "votes")] == [0]
    assert join(voter, live)["my_votes"] == []


def test_every_count_carries_a_sequence_that_orders_it(app, world, connect, live):
    """Counts read by different server processes may cross on their way: each carries
    the number of vote changes behind it, so a client keeps the newest."""
    asker, voter = connect("member"), connect("outsider")
    join(asker, live)
    join(voter, live)
    asker.emit("ask", {"session_id": live, "text": "Черговість?"}, namespace=NS)
    [question] = events(voter, "question")
    assert (question["votes"], question["votes_seq"]) == (0, 0)
    key = str(question["id"])
    seen = []
    for event in ("vote", "unvote", "vote", "vote"):  # the last one changes nothing
        voter.emit(event, {"question_id": question["id"]}, namespace=NS)
        seen += [(e["votes"][key], e["votes_seq"][key]) for e in events(asker, "votes")]
    assert seen == [(1, 1), (0, 2), (1, 3)]
    [again] = [q for q in join(asker, live)["questions"] if q["id"] == question["id"]]
    assert (again["votes"], again["votes_seq"]) == (1, 3)


def test_moderated_questions_reach_only_staff_and_author_until_approved(
    app, world, connect, session_factory
):
    from cop.extensions import db
    from cop.live.models import LiveSession

    session_id = session_factory(moderated=True, moderators=["space_moderator"])
    with app.app_context():
        db.session.get(LiveSession, session_id).status = "live"
        db.session.commit()
    author, other, moderator, host = (
        connect("member"),
        connect("outsider"),
        connect("space_moderator"),
        connect("expert"),
    )
    for client in (author, other, moderator, host):
        join(client, session_id)
        client.get_received(NS)
    author.emit("ask", {"session_id": session_id, "text": "Чи можна онлайн?"}, namespace=NS)
    assert events(other, "question") == []
    [pending] = events(moderator, "question")
    assert pending["status"] == "pending"
    assert [q["status"] for q in events(author, "question")] == ["pending"]
    assert [q["status"] for q in events(host, "question")] == ["pending"]
    assert join(other, session_id)["questions"] == []
    other.get_received(NS)

    # participants cannot moderate
    other.emit("moderate", {"question_id": pending["id"], "action": "approve"}, namespace=NS)
    assert [e["code"] for e in events(other, "error")] == ["not_found"]

    moderator.emit("moderate", {"question_id": pending["id"], "action": "approve"}, namespace=NS)
    [shown] = events(other, "question")
    assert (shown["text"], shown["status"]) == ("Чи можна онлайн?", "visible")

    moderator.emit("moderate", {"question_id": pending["id"], "action": "hide"}, namespace=NS)
    [stub] = events(other, "question")
    assert stub == {
        "id": pending["id"],
        "session_id": session_id,
        "status": "hidden",
        "seq": shown["seq"] + 1,  # the change after the approval: newer than any copy
    }
    assert join(other, session_id)["questions"] == []
    assert [q["status"] for q in join(author, session_id)["questions"]] == ["hidden"]


def test_anonymous_questions_hide_the_author_from_participants_only(app, world, connect, live):
    author, other, host = connect("member"), connect("outsider"), connect("expert")
    for client in (author, other, host):
        join(client, live)
        client.get_received(NS)
    author.emit(
        "ask", {"session_id": live, "text": "Хто відповідає?", "anonymous": True}, namespace=NS
    )
    [seen] = events(other, "question")
    assert seen["author"] is None and seen["anonymous"]
    [staff] = events(host, "question")
    assert staff["author"]["name"] == "member"
    assert events(author, "question")[-1]["author"]["name"] == "member"
    assert join(other, live)["questions"][0]["author"] is None
    assert join(host, live)["questions"][0]["author"]["name"] == "member"


def test_anonymous_questions_refused_where_the_session_does_not_allow_them(
    app, world, connect, session_factory
):
    session_id = session_factory(anonymous_allowed=False)
    client = connect("member")
    client.emit("ask", {"session_id": session_id, "text": "Так?", "anonymous": True}, namespace=NS)
    assert [e["code"] for e in events(client, "error")] == ["invalid"]


def test_rate_limits_on_asking_and_voting(app, world, connect, live):
    app.config.update(COP_LIVE_ASK_LIMIT="2 per minute", COP_LIVE_VOTE_LIMIT="3 per minute")
    client = connect("member")
    join(client, live)
    for n in range(3):
        client.emit("ask", {"session_id": live, "text": f"Питання {n}"}, namespace=NS)
    [error] = events(client, "error")
    assert error["code"] == "rate_limited"
    assert len(join(client, live)["questions"]) == 2
    ids = [q["id"] for q in join(client, live)["questions"]]
    for n in range(4):
        client.emit("vote", {"question_id": ids[n % 2]}, namespace=NS)
    assert [e["code"] for e in events(client, "error")] == ["rate_limited"]


def test_question_length_and_input_are_checked(app, world, connect, session_factory):
    session_id = session_factory(max_question_length=20)
    client = connect("member")
    client.emit("ask", {"session_id": session_id, "text": "д" * 21}, namespace=NS)
    client.emit("ask", {"session_id": session_id, "text": "   "}, namespace=NS)
    client.emit("ask", {"session_id": "1", "text": "Так"}, namespace=NS)
    client.emit("ask", "не об'єкт", namespace=NS)
    assert [e["code"] for e in events(client, "error")] == ["invalid"] * 4


def test_hosts_answer_highlight_start_and_end(app, world, connect, login_as, session_factory):
    session_id = session_factory()
    http = login_as(world.users["outsider"])
    host, member = connect("expert"), connect("member")
    join(host, session_id)
    join(member, session_id)
    member.emit("start", {"session_id": session_id}, namespace=NS)
    assert [e["code"] for e in events(member, "error")] == ["forbidden"]
    host.emit("start", {"session_id": session_id}, namespace=NS)
    assert events(member, "session")[0]["status"] == "live"
    member.emit("ask", {"session_id": session_id, "text": "Коли звіт?"}, namespace=NS)
    [question] = events(host, "question")
    host.emit("highlight", {"question_id": question["id"]}, namespace=NS)
    assert events(member, "session")[-1]["highlighted_id"] == question["id"]
    host.emit("answer", {"question_id": question["id"], "text": "До кінця місяця."}, namespace=NS)
    [answered] = [q for q in events(member, "question") if q["answer"]]
    assert answered["answer"] == "До кінця місяця."
    ack = host.emit("end", {"session_id": session_id}, namespace=NS, callback=True)
    ended = events(member, "session")[-1]
    assert ended["status"] == "ended" and ended["archive_id"] == ack["archive_id"]
    member.emit("ask", {"session_id": session_id, "text": "Ще одне?"}, namespace=NS)
    assert [e["code"] for e in events(member, "error")] == ["conflict"]
    # the archive is an ordinary discussion of the space, readable by its readers
    archive = http.get(f"/api/v1/discussions/{ack['archive_id']}/posts").get_json()
    bodies = [p["body"] for p in archive["items"]]
    assert "Бюджет участі: запитання" in bodies[0]
    assert "> Коли звіт?" in bodies[1] and "До кінця місяця." in bodies[1]
    assert "member" in bodies[1]


def test_reconnect_gets_the_current_state_without_loss_or_doubles(app, world, connect, live):
    asker, dropped = connect("member"), connect("outsider")
    join(asker, live)
    join(dropped, live)
    asker.emit("ask", {"session_id": live, "text": "До обриву"}, namespace=NS)
    question = events(dropped, "question")[0]
    dropped.emit("vote", {"question_id": question["id"]}, namespace=NS)
    dropped.disconnect(NS)
    asker.emit("ask", {"session_id": live, "text": "Під час обриву"}, namespace=NS)
    asker.emit("vote", {"question_id": question["id"]}, namespace=NS)
    dropped.connect(NS)
    state = join(dropped, live)
    assert [(q["text"], q["votes"]) for q in state["questions"]] == [
        ("До обриву", 2),
        ("Під час обриву", 0),
    ]
    assert state["my_votes"] == [question["id"]]


def test_presence_counts_the_connected_participants(app, world, connect, live):
    first = connect("member")
    assert join(first, live)["presence"] == 1
    second = connect("outsider")
    assert join(second, live)["presence"] == 2
    assert events(first, "presence")[-1]["count"] == 2
    second.disconnect(NS)
    assert events(first, "presence")[-1]["count"] == 1
    third = connect("trainee")
    join(third, live)
    third.emit("leave", {"session_id": live}, namespace=NS)
    assert events(first, "presence")[-1]["count"] == 1
    first.get_received(NS)
    third.emit("ask", {"session_id": live, "text": "Після виходу"}, namespace=NS)
    assert [q["text"] for q in events(first, "question")] == ["Після виходу"]
    assert events(third, "question") == []  # it left the room


def test_logout_disconnects_the_sockets(app, world, login_as, live):
    http = login_as(world.users["member"])
    client = socketio.test_client(app, namespace=NS, flask_test_client=http)
    join(client, live)
    http.post("/logout")
    assert not client.is_connected(NS)
    # the signed-out cookie does not connect again
    again = socketio.test_client(app, namespace=NS, flask_test_client=http)
    assert not again.is_connected(NS)


def test_deactivation_disconnects_the_sockets(app, world, connect, live):
    from cop.accounts import service as accounts
    from cop.accounts.models import User
    from cop.extensions import db

    client = connect("member")
    join(client, live)
    with app.app_context():
        admin = db.session.get(User, world.users["admin"].id)
        member = db.session.get(User, world.users["member"].id)
        accounts.update_user(admin, member, {"active": False})
    assert not client.is_connected(NS)


def test_discussion_pages_hear_only_replies_their_reader_may_read(app, world, connect, h):
    from tests.api.test_discussions_api import reply, start

    client = app.test_client()
    discussion = start(client, h["member"], world.spaces["forum_signed"])
    author, other = connect("member"), connect("outsider")
    for watcher in (author, other):
        ack = watcher.emit(
            "watch", {"discussion_id": discussion["id"]}, namespace=NS, callback=True
        )
        assert ack == {"ok": True}
    public = reply(client, h["expert"], discussion["id"], body="Для всіх").get_json()
    private = reply(client, h["expert"], discussion["id"], body="Лише вам", private=True)
    assert private.status_code == 201
    private = private.get_json()
    assert [e["post_id"] for e in events(author, "reply")] == [public["id"], private["id"]]
    assert [e["post_id"] for e in events(other, "reply")] == [public["id"]]


def test_watching_a_discussion_one_may_not_read_is_refused(app, world, connect, h):
    from tests.api.test_discussions_api import start

    discussion = start(app.test_client(), h["member"], world.spaces["forum_members"])
    outsider = connect("outsider")
    outsider.emit("watch", {"discussion_id": discussion["id"]}, namespace=NS)
    assert [e["code"] for e in events(outsider, "error")] == ["not_found"]


def test_a_join_handled_after_its_client_left_is_dropped_quietly(
    app, world, connect, live, monkeypatch
):
    """A browser may close the page while its join is being handled: the late join must
    neither raise in the server nor leave the departed socket counted in the room."""
    from flask import request

    from cop.extensions import socketio
    from cop.live import queries, sockets

    present = connect("member")
    join(present, live)
    present.get_received(NS)
    leaving = connect("outsider")
    require_view = queries.require_view  # asked on every join, the session kept or not

    def leave_meanwhile(user, session):
        socketio.server.disconnect(request.sid, namespace=NS)
        return require_view(user, session)

    monkeypatch.setattr(queries, "require_view", leave_meanwhile)
    ack = leaving.emit("join", {"session_id": live}, namespace=NS, callback=True)
    assert ack in (None, {"ok": False})
    monkeypatch.setattr(queries, "require_view", require_view)
    assert not any(sid not in sockets._people for sid in sockets._joined)
    third = connect("trainee")
    assert join(third, live)["presence"] == 2  # the member and the trainee, not the leaver


@pytest.mark.parametrize("text", ["\u200b\u200b\u200b", " \u2060\u3164 ", "Бюджет\x00?", "Так\x07"])
def test_questions_with_nothing_visible_or_control_characters_are_refused(
    app, world, connect, live, text
):
    """Text that lies (issue 16) is refused on the socket as on the API and the forms: a
    question (a body) needs a visible character and takes no control characters."""
    asker, watcher = connect("member"), connect("expert")
    join(watcher, live)
    asker.emit("ask", {"session_id": live, "text": text}, namespace=NS)
    assert [e["code"] for e in events(asker, "error")] == ["invalid"]
    assert events(watcher, "question") == []


def test_a_question_asked_again_with_its_key_is_asked_once(app, world, connect, live):
    """The browser sends an ask again, with the same key, when its answer was lost (a
    timeout, a dropped connection) or the server was busy: the room sees one question."""
    asker, other = connect("member"), connect("outsider")
    join(asker, live)
    join(other, live)
    ask = {"session_id": live, "text": "Чи буде запис?", "key": "a1b2c3d4e5f60718"}
    first = asker.emit("ask", ask, namespace=NS, callback=True)
    asker.disconnect(NS)  # its answer "lost"; the page reconnects and sends it again
    asker.connect(NS)
    join(asker, live)
    again = asker.emit("ask", ask, namespace=NS, callback=True)
    assert first["ok"] and again == first
    assert [q["text"] for q in events(other, "question")] == ["Чи буде запис?"]
    # Another question of the same person, and the same key from someone else, are new.
    asker.emit("ask", {**ask, "key": "ffff0000ffff0000"}, namespace=NS)
    other.emit("ask", ask, namespace=NS)
    state = join(connect("expert"), live)
    assert sorted(q["author"]["name"] for q in state["questions"]) == [
        "member",
        "member",
        "outsider",
    ]


def test_a_join_reads_the_session_as_it_is_now(app, world, connect, h, live):
    """Joins share the session this process keeps (cop/live/snapshots.py): a change to its
    state or its space reaches the next join."""
    host = connect("expert")
    assert join(host, live)["session"]["status"] == "live"
    join(connect("outsider"), live)
    host.emit("end", {"session_id": live}, namespace=NS)
    assert join(connect("outsider"), live)["session"]["status"] == "ended"
    space = world.spaces["forum_signed"]
    r = app.test_client().patch(
        f"/api/v1/spaces/{space}", headers=h["admin"], json={"visibility": "members"}
    )
    assert r.status_code == 200, r.get_json()
    outsider = connect("outsider")
    outsider.emit("join", {"session_id": live}, namespace=NS)
    assert received(outsider) == [
        ("error", {"code": "not_found", "message": "Не знайдено."}),
    ]


def test_a_join_of_a_missing_session_is_not_found(app, world, connect):
    client = connect("member")
    client.emit("join", {"session_id": 999_999}, namespace=NS)
    assert received(client) == [
        ("error", {"code": "not_found", "message": "Не знайдено."}),
    ]
