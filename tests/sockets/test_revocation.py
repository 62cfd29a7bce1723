"""Revocation is an event (issue 16): every change that can take reading away takes the
person's open sockets out of what they no longer read, at once, and their bell stops
counting what they can no longer open. One test per kind of change, each on the sockets
(an open discussion page, a live session) and on the counts (the bell, the notifications
API's total)."""

from sqlalchemy import select

from cop.extensions import db
from cop.orgs.models import Community, ExpertGroup
from tests.api.test_consultations_api import open_, posted
from tests.api.test_discussions_api import reply, start
from tests.live_fixtures import NS

API = "/api/v1"


def heard(client) -> dict[str, list]:
    out: dict[str, list] = {}
    for e in client.get_received(NS):
        out.setdefault(e["name"], []).append(e["args"][0])
    return out


def watch(client, discussion_id: int) -> None:
    ack = client.emit("watch", {"discussion_id": discussion_id}, namespace=NS, callback=True)
    assert ack == {"ok": True}


def bell(http, headers) -> tuple[int, int]:
    """The notifications API's total, and its unread count (the bell's)."""
    listed = http.get(f"{API}/notifications", headers=headers).get_json()
    return listed["total"], listed["unread"]


def ok(response) -> None:
    assert response.status_code == 200, response.get_json()


def _id(app, model, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(model.id).where(model.name == name))


def check_revoked(app, connect, h, *, reader, keeper, writer, discussion_id, write, change):
    """`reader` and `keeper` watch the discussion; `writer` writes (`write`) once before
    `change` and once after it. `reader` hears the first only and is told the page is
    closed to them, `keeper` hears both; `reader`'s bell counts nothing any more."""
    http = app.test_client()
    lost, kept = connect(reader), connect(keeper)
    for client in (lost, kept):
        watch(client, discussion_id)
    first = write(http, h[writer], discussion_id)
    total, unread = bell(http, h[reader])
    assert total >= 1 and unread >= 1
    change(http)
    second = write(http, h[writer], discussion_id)
    got = heard(lost)
    assert [e["post_id"] for e in got["reply"]] == [first]
    assert [(e["code"], e["discussion_id"]) for e in got["error"]] == [("revoked", discussion_id)]
    assert got["error"][0]["message"] == "Ви більше не можете це читати: ваш доступ змінився."
    assert [e["post_id"] for e in heard(kept)["reply"]] == [first, second]
    assert lost.is_connected(NS)  # narrowed, not closed
    assert bell(http, h[reader]) == (0, 0)
    assert http.get(f"{API}/discussions/{discussion_id}", headers=h[reader]).status_code == 404


def forum_reply(http, headers, discussion_id) -> int:
    response = reply(http, headers, discussion_id)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def consultation_reply(consultations: dict):
    """Write in a consultation by its discussion id (the desk's API takes its own id)."""

    def write(http, headers, discussion_id) -> int:
        return posted(http, headers, consultations[discussion_id])["id"]

    return write


def test_removed_from_an_expert_group(app, world, connect, h):
    discussion = start(app.test_client(), h["expert"], world.spaces["expert_room"])
    group = _id(app, ExpertGroup, "Група А")
    members = {"member_ids": [world.users["trainee"].id]}

    def change(http):
        ok(http.patch(f"{API}/expert-groups/{group}", headers=h["admin"], json=members))

    check_revoked(
        app, connect, h, reader="expert", keeper="moderator", writer="trainee",
        discussion_id=discussion["id"], write=forum_reply, change=change,
    )  # fmt: skip


def test_an_expert_group_stops_coaching_a_community(app, world, connect, h):
    c = open_(app.test_client(), h["member"])
    group = _id(app, ExpertGroup, "Група А")

    def change(http):
        r = http.patch(
            f"{API}/expert-groups/{group}", headers=h["admin"], json={"community_ids": []}
        )
        assert r.status_code == 200, r.get_json()

    check_revoked(
        app, connect, h, reader="expert", keeper="moderator", writer="member",
        discussion_id=c["discussion_id"], write=consultation_reply({c["discussion_id"]: c["id"]}),
        change=change,
    )  # fmt: skip


def test_removed_from_a_committee(app, world, connect, h):
    c = open_(app.test_client(), h["member"])
    community = _id(app, Community, "Громада А")

    def change(http):
        r = http.patch(
            f"{API}/communities/{community}", headers=h["admin"], json={"committee_user_ids": []}
        )
        assert r.status_code == 200, r.get_json()

    check_revoked(
        app, connect, h, reader="member", keeper="moderator", writer="expert",
        discussion_id=c["discussion_id"], write=consultation_reply({c["discussion_id"]: c["id"]}),
        change=change,
    )  # fmt: skip


def test_removed_from_a_space(app, world, connect, h):
    space = world.spaces["forum_members"]
    discussion = start(app.test_client(), h["member"], space)
    member = world.users["member"].id

    def change(http):
        r = http.delete(f"{API}/spaces/{space}/members/{member}", headers=h["admin"])
        assert r.status_code == 204, r.get_json()

    check_revoked(
        app, connect, h, reader="member", keeper="moderator", writer="space_moderator",
        discussion_id=discussion["id"], write=forum_reply, change=change,
    )  # fmt: skip


def test_a_space_closed_to_its_members(app, world, connect, h):
    space = world.spaces["forum_signed"]
    discussion = start(app.test_client(), h["outsider"], space)

    def change(http):
        r = http.patch(f"{API}/spaces/{space}", headers=h["admin"], json={"visibility": "members"})
        assert r.status_code == 200, r.get_json()

    check_revoked(
        app, connect, h, reader="outsider", keeper="space_moderator", writer="moderator",
        discussion_id=discussion["id"], write=forum_reply, change=change,
    )  # fmt: skip


def test_a_discussion_moved_where_its_reader_cannot_follow(app, world, connect, h):
    discussion = start(app.test_client(), h["outsider"], world.spaces["forum_signed"])

    def change(http):
        r = http.post(
            f"{API}/discussions/{discussion['id']}/move",
            headers=h["moderator"],
            json={"space_id": world.spaces["forum_members"]},
        )
        assert r.status_code == 200, r.get_json()

    check_revoked(
        app, connect, h, reader="outsider", keeper="space_moderator", writer="member",
        discussion_id=discussion["id"], write=forum_reply, change=change,
    )  # fmt: skip


def test_a_forum_split_into_separate_groups(app, world, connect, h):
    space = world.spaces["forum_signed"]
    community = _id(app, Community, "Громада А")
    http = app.test_client()
    visible = {"group_mode": "visible"}  # a community's discussions, read by everyone
    ok(http.patch(f"{API}/spaces/{space}/forum", headers=h["admin"], json=visible))
    r = http.post(
        f"{API}/spaces/{space}/discussions",
        headers=h["member"],
        json={"title": "Лише для громади А", "body": "Обговорімо.", "community_id": community},
    )
    assert r.status_code == 201 and r.get_json()["community_id"] == community
    discussion = r.get_json()["id"]
    # Only the community's group hears of its discussions (as in Moodle, whatever one
    # follows), so the outsider's bell rings for a mention.
    outsider = f"@{world.users['outsider'].username}"

    def mention(http, headers, discussion_id) -> int:
        response = reply(http, headers, discussion_id, body=f"{outsider}, подивіться")
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def change(http):
        r = http.patch(
            f"{API}/spaces/{space}/forum", headers=h["admin"], json={"group_mode": "separate"}
        )
        assert r.status_code == 200, r.get_json()

    check_revoked(
        app, connect, h, reader="outsider", keeper="member", writer="expert",
        discussion_id=discussion, write=mention, change=change,
    )  # fmt: skip


def test_a_live_session_closed_to_a_removed_member(app, world, connect, h, session_factory):
    from cop.live.models import LiveSession
    from tests.sockets.conftest import join

    live = session_factory(space="forum_members", host="moderator")
    with app.app_context():
        db.session.get(LiveSession, live).status = "live"
        db.session.commit()
    member, host = connect("member"), connect("moderator")
    join(member, live)
    join(host, live)
    space, user = world.spaces["forum_members"], world.users["member"].id
    r = app.test_client().delete(f"{API}/spaces/{space}/members/{user}", headers=h["admin"])
    assert r.status_code == 204
    got = heard(member)
    assert [(e["code"], e["session_id"]) for e in got["error"]] == [("revoked", live)]
    heard(host)
    host.emit("ask", {"session_id": live, "text": "Хто ще тут?"}, namespace=NS)
    assert [q["text"] for q in heard(host)["question"]] == ["Хто ще тут?"]
    assert "question" not in heard(member)
    member.emit("join", {"session_id": live}, namespace=NS)
    assert [e["code"] for e in heard(member)["error"]] == ["not_found"]


def test_a_moderator_made_a_plain_member_leaves_the_staff_room(
    app, world, connect, h, session_factory
):
    """Their role in the space drops: the session's staff room (pending questions, who
    asked anonymously) is no longer theirs."""
    from cop.live.models import LiveSession
    from tests.sockets.conftest import join

    live = session_factory(space="forum_members", host="moderator")
    with app.app_context():
        db.session.get(LiveSession, live).status = "live"
        db.session.commit()
    watcher = connect("space_moderator")
    assert join(watcher, live)["me"]["moderates"]
    space, user = world.spaces["forum_members"], world.users["space_moderator"].id
    r = app.test_client().put(
        f"{API}/spaces/{space}/members/{user}", headers=h["admin"], json={"role": "member"}
    )
    assert r.status_code == 200, r.get_json()
    assert [e["code"] for e in heard(watcher)["error"]] == ["revoked"]


def test_a_role_taken_away_stops_counting(app, world, h):
    """A new role closes the person's sockets (cop/accounts); their bell follows the role."""
    http = app.test_client()
    discussion = start(http, h["expert"], world.spaces["expert_room"])
    assert forum_reply(http, h["trainee"], discussion["id"])
    assert bell(http, h["expert"]) == (1, 1)
    expert = world.users["expert"].id
    r = http.patch(f"{API}/users/{expert}", headers=h["admin"], json={"role": "member"})
    assert r.status_code == 200, r.get_json()
    assert bell(http, h["expert"]) == (0, 0)


def test_each_reply_is_checked_for_its_reader_when_it_is_sent(app, world, connect, h):
    """A change no event announces (made in the database by hand, say) leaves the socket
    in the room, yet the next reply is not sent to someone who may no longer read it."""
    from cop.spaces.models import SpaceMembership

    space = world.spaces["forum_members"]
    discussion = start(app.test_client(), h["member"], space)
    member, keeper = connect("member"), connect("space_moderator")
    for client in (member, keeper):
        watch(client, discussion["id"])
    with app.app_context():
        db.session.delete(db.session.get(SpaceMembership, (space, world.users["member"].id)))
        db.session.commit()
    sent = forum_reply(app.test_client(), h["moderator"], discussion["id"])
    assert "reply" not in heard(member)
    assert [e["post_id"] for e in heard(keeper)["reply"]] == [sent]


def test_a_hidden_reply_is_taken_back_from_those_who_may_no_longer_read_it(app, world, connect, h):
    """A moderator hides a reply the open pages were told of: those who now see only its
    placeholder are told to drop it; its author and the moderators, who still read it, are
    not; a reply hidden before it is sent reaches only them."""
    http = app.test_client()
    discussion = start(http, h["member"], world.spaces["forum_signed"])["id"]
    reader, author, moderator = connect("outsider"), connect("expert"), connect("moderator")
    for client in (reader, author, moderator):
        watch(client, discussion)
    sent = forum_reply(http, h["expert"], discussion)
    for client in (reader, author, moderator):
        assert [e["post_id"] for e in heard(client)["reply"]] == [sent]
    ok(http.put(f"{API}/posts/{sent}/hidden", headers=h["moderator"]))
    taken_back = {
        "discussion_id": discussion,
        "post_id": sent,
        "author_id": world.users["expert"].id,
    }
    assert heard(reader) == {"reply_hidden": [taken_back]}
    assert heard(author) == {} and heard(moderator) == {}
    ok(http.put(f"{API}/posts/{sent}/hidden", headers=h["moderator"]))  # hidden already: no news
    assert heard(reader) == {}


def _live(app, session_factory, **settings) -> int:
    from cop.live.models import LiveSession

    live = session_factory(space="forum_members", host="moderator", **settings)
    with app.app_context():
        db.session.get(LiveSession, live).status = "live"
        db.session.commit()
    return live


def _unmake_member(app, world, name: str) -> None:
    """Take a person out of the members-only forum in the database, as no service would:
    no event tells the sockets."""
    from cop.spaces.models import SpaceMembership

    with app.app_context():
        key = (world.spaces["forum_members"], world.users[name].id)
        db.session.delete(db.session.get(SpaceMembership, key))
        db.session.commit()


def test_each_live_event_is_checked_for_its_receiver_when_it_is_sent(
    app, world, connect, h, session_factory
):
    """Questions, votes, answers and the session's state reach a participant's socket,
    one by one or in batches, only while their person may still view the session."""
    from tests.sockets.conftest import join

    live = _live(app, session_factory)
    member, batched, host = connect("member"), connect("member"), connect("moderator")
    join(member, live)
    batched.emit("join", {"session_id": live, "batch": True}, namespace=NS)
    join(host, live)
    asked = host.emit("ask", {"session_id": live, "text": "Перше?"}, namespace=NS, callback=True)
    assert [q["text"] for q in heard(member)["question"]] == ["Перше?"]
    assert ["question"] in [[e for e, _d in b] for b in heard(batched)["batch"]]
    _unmake_member(app, world, "member")
    heard(host)
    host.emit("ask", {"session_id": live, "text": "Друге?"}, namespace=NS)
    host.emit("answer", {"question_id": asked["question_id"], "text": "Так."}, namespace=NS)
    host.emit("highlight", {"session_id": live, "question_id": asked["question_id"]}, namespace=NS)
    host.emit("end", {"session_id": live}, namespace=NS)
    got = heard(host)
    assert [q["text"] for q in got["question"]] == ["Друге?", "Перше?"]
    assert [s["status"] for s in got["session"]] == ["live", "ended"]
    assert heard(member) == {} and heard(batched) == {}


def test_the_staff_room_is_checked_when_each_event_is_sent(app, world, connect, h, session_factory):
    """A moderator of the space who is no longer one (changed in the database) stops
    getting the staff room's events (pending questions, anonymous askers' names)."""
    from cop.spaces.models import SpaceMembership
    from tests.sockets.conftest import join

    live = _live(app, session_factory, moderated=True)
    watcher, host, asker = connect("space_moderator"), connect("moderator"), connect("member")
    assert join(watcher, live)["me"]["moderates"]
    join(host, live)
    asker.emit("ask", {"session_id": live, "text": "Чекає?"}, namespace=NS)
    assert [q["status"] for q in heard(watcher)["question"]] == ["pending"]
    with app.app_context():
        key = (world.spaces["forum_members"], world.users["space_moderator"].id)
        db.session.get(SpaceMembership, key).role = "member"
        db.session.commit()
    heard(host)
    asker.emit("ask", {"session_id": live, "text": "Хто питає?", "anonymous": True}, namespace=NS)
    assert [q["author"] is not None for q in heard(host)["question"]] == [True]
    assert heard(watcher) == {}


def test_a_course_module_put_back_to_draft(app, world, connect, h):
    from tests.courses.helpers import published_module

    http = app.test_client()
    module = published_module(http, h, world.spaces["course"])
    discussion = start(http, h["member"], module["forum_id"])

    def change(http):
        draft = {"status": "draft"}
        r = http.patch(f"{API}/modules/{module['id']}", headers=h["expert"], json=draft)
        assert r.status_code == 200 and r.get_json()["status"] == "draft"

    check_revoked(
        app, connect, h, reader="member", keeper="moderator", writer="expert",
        discussion_id=discussion["id"], write=forum_reply, change=change,
    )  # fmt: skip


def test_a_live_session_whose_space_closes(app, world, connect, h, session_factory):
    """A signed-in forum made members-only: an outsider in its live session is told and
    hears nothing more; the host goes on."""
    from cop.live.models import LiveSession
    from tests.sockets.conftest import join

    live = session_factory(space="forum_signed", host="moderator")
    with app.app_context():
        db.session.get(LiveSession, live).status = "live"
        db.session.commit()
    outsider, host = connect("outsider"), connect("moderator")
    join(outsider, live)
    join(host, live)
    space = world.spaces["forum_signed"]
    members = {"visibility": "members"}
    ok(app.test_client().patch(f"{API}/spaces/{space}", headers=h["admin"], json=members))
    got = heard(outsider)
    assert [(e["code"], e["session_id"]) for e in got["error"]] == [("revoked", live)]
    heard(host)
    host.emit("ask", {"session_id": live, "text": "Лишилися свої?"}, namespace=NS)
    assert [q["text"] for q in heard(host)["question"]] == ["Лишилися свої?"]
    assert heard(outsider) == {}
