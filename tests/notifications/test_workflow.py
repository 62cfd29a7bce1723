"""Notifications for the steps of the work: who is told (in the bell), who is not, and that
whoever may no longer read the thing stops seeing the notification. Community A's
committee is `member`, its expert group `expert` and `trainee`; `outsider` and
`other_expert` belong to community B."""

from datetime import timedelta

from sqlalchemy import select, update

from cop.courses.models import CourseModule
from cop.db import utcnow
from cop.extensions import db
from cop.live.models import LiveSession, LiveStaff, StaffRole
from cop.live.reminders import remind_starting
from cop.notifications.models import Notification
from cop.spaces.models import Space, SpaceMembership, SpaceRole, Visibility
from tests.conftest import QueryCounter
from tests.courses.helpers import add_module, publish

API = "/api/v1"
PEOPLE = ("member", "outsider", "space_moderator", "expert", "trainee", "other_expert")


def bell(client, h, name) -> list[str]:
    body = client.get(f"{API}/notifications", headers=h[name]).get_json()
    assert body["unread"] == len([n for n in body["items"] if not n["read"]])
    return [n["kind"] for n in body["items"]]


def told(client, h, kind, people=PEOPLE + ("moderator", "admin")) -> set[str]:
    return {name for name in people if kind in bell(client, h, name)}


def open_consultation(client, h) -> dict:
    response = client.post(
        f"{API}/consultations", headers=h["member"], json={"title": "Як?", "body": "Питання."}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def move(client, headers, cid, to, **extra):
    response = client.post(
        f"{API}/consultations/{cid}/transitions", headers=headers, json={"to": to, **extra}
    )
    assert response.status_code == 200, response.get_json()


def answer(client, headers, cid, body="Відповідь"):
    response = client.post(f"{API}/consultations/{cid}/posts", headers=headers, json={"body": body})
    assert response.status_code == 201, response.get_json()


def test_an_assignment_is_told_to_the_person_assigned_only(client, world, h):
    c = open_consultation(client, h)
    response = client.patch(
        f"{API}/consultations/{c['id']}",
        headers=h["moderator"],
        json={"assignee_ids": [world.users["trainee"].id]},
    )
    assert response.status_code == 200, response.get_json()
    assert told(client, h, "assigned") == {"trainee"}
    # taking it on oneself tells nobody
    both = [world.users["trainee"].id, world.users["expert"].id]
    response = client.patch(
        f"{API}/consultations/{c['id']}", headers=h["expert"], json={"assignee_ids": both}
    )
    assert response.status_code == 200, response.get_json()
    assert told(client, h, "assigned") == {"trainee"}


def test_the_committee_hears_when_it_is_its_turn_and_the_expert_of_the_rating(client, world, h):
    c = open_consultation(client, h)
    answer(client, h["expert"], c["id"])  # answered: the committee's turn
    assert told(client, h, "awaiting") == {"member"}
    client.post(f"{API}/notifications/read", headers=h["member"], json={})
    # the experts ask the committee something: the same notification is new again
    move(client, h["expert"], c["id"], "awaiting_committee")
    assert bell(client, h, "member").count("awaiting") == 1
    assert client.get(f"{API}/notifications", headers=h["member"]).get_json()["unread"] >= 1
    client.post(f"{API}/notifications/read", headers=h["member"], json={})
    # the committee's own reply answers the wait, and does not tell the committee
    answer(client, h["member"], c["id"], "Ось відповідь комітету")
    unread = client.get(f"{API}/notifications", headers=h["member"]).get_json()["unread"]
    assert unread == 0
    # the rating goes to the expert who answered, not to the other experts of the desk
    move(client, h["member"], c["id"], "resolved", rating=4)
    assert told(client, h, "rated") == {"expert"}


def test_a_committee_member_who_left_no_longer_sees_it(app, client, world, h):
    c = open_consultation(client, h)
    answer(client, h["expert"], c["id"])
    assert "awaiting" in bell(client, h, "member")
    with app.app_context():
        desk = db.session.get(Space, world.spaces["desk"])
        community = desk.community
        community.committee.clear()
        db.session.commit()
    assert "awaiting" not in bell(client, h, "member")


def test_a_report_is_told_to_the_spaces_moderators(app, client, world, h):
    forum = world.spaces["forum_signed"]
    d = client.post(
        f"{API}/spaces/{forum}/discussions", headers=h["member"], json={"title": "Т", "body": "П"}
    ).get_json()
    rude = client.post(
        f"{API}/discussions/{d['id']}/posts", headers=h["outsider"], json={"body": "Грубо"}
    ).get_json()
    response = client.post(
        f"{API}/posts/{rude['id']}/reports", headers=h["member"], json={"reason": "Образи"}
    )
    assert response.status_code == 201
    assert told(client, h, "report") == {"space_moderator", "moderator", "admin"}
    # a second report by someone else does not make a second notification
    client.post(f"{API}/posts/{rude['id']}/reports", headers=h["expert"], json={"reason": "Так"})
    assert bell(client, h, "moderator").count("report") == 1
    # made a plain member of the forum, the space's moderator no longer sees the report
    with app.app_context():
        db.session.execute(
            update(SpaceMembership)
            .where(SpaceMembership.user_id == world.users["space_moderator"].id)
            .values(role=SpaceRole.MEMBER)
        )
        db.session.commit()
    assert "report" not in bell(client, h, "space_moderator")


def test_a_trainees_draft_is_told_to_those_who_may_publish_it(client, world, h):
    course = world.spaces["course"]
    add_module(client, h["trainee"], course, title="Чернетка стажера")
    assert told(client, h, "draft") == {"expert", "other_expert", "moderator", "admin"}
    # an expert's own draft waits for nobody
    add_module(client, h["expert"], course, title="Чернетка експерта")
    assert bell(client, h, "other_expert").count("draft") == 1


def test_a_published_module_is_told_to_the_courses_followers(app, client, world, h):
    course = world.spaces["course"]
    follow = client.put(
        f"{API}/spaces/{course}/subscription", headers=h["member"], json={"subscribed": True}
    )
    assert follow.status_code == 200 and follow.get_json()["subscribed"] is True
    module = add_module(client, h["expert"], course)
    assert "module" not in bell(client, h, "member")  # a draft is nobody's news
    publish(client, h["expert"], module["id"])
    assert told(client, h, "module") == {"member"}
    items = client.get(f"{API}/notifications", headers=h["member"]).get_json()["items"]
    assert items[0]["module_id"] == module["id"] and items[0]["space_id"] == course
    # back to draft: the follower may no longer read it, and the notification goes
    draft = client.patch(
        f"{API}/modules/{module['id']}", headers=h["expert"], json={"status": "draft"}
    )
    assert draft.status_code == 200
    assert "module" not in bell(client, h, "member")


def _session(app, world, minutes: int, space="live") -> int:
    with app.app_context():
        session = LiveSession(
            space_id=world.spaces[space],
            title="Бюджет участі наживо",
            scheduled_at=utcnow() + timedelta(minutes=minutes),
            created_by_id=world.users["expert"].id,
            staff=[LiveStaff(user_id=world.users["expert"].id, role=StaffRole.HOST)],
        )
        db.session.add(session)
        db.session.commit()
        return session.id


def test_live_followers_are_reminded_once_fifteen_minutes_ahead(app, client, world, h):
    live = world.spaces["live"]
    for name in ("member", "outsider"):
        client.put(f"{API}/spaces/{live}/subscription", headers=h[name], json={"subscribed": True})
    soon = _session(app, world, 10)
    _session(app, world, 40)  # too early yet
    with app.app_context():
        assert remind_starting() == 1
        assert remind_starting() == 0  # another worker's pass: already claimed
    assert told(client, h, "live_soon") == {"member", "outsider", "expert"}
    with app.app_context():
        assert db.session.scalar(select(LiveSession.reminded_at).where(LiveSession.id == soon))
        kinds = db.session.scalars(
            select(Notification.kind).where(Notification.live_session_id == soon)
        ).all()
        assert len(kinds) == 3
        # the space closes to members only: the outsider's reminder goes with it
        db.session.execute(
            update(Space).where(Space.id == live).values(visibility=Visibility.MEMBERS)
        )
        db.session.commit()
    assert "live_soon" not in bell(client, h, "outsider")


def test_a_kind_turned_off_on_the_profile_is_not_told(client, world, h, login_as):
    member = world.users["member"]
    page = login_as(member)
    response = page.get("/profile")
    assert 'value="awaiting" checked' in response.get_data(as_text=True)
    kinds = ["discussion", "reply", "mention", "assigned", "rated", "draft", "report", "module"]
    saved = page.post("/notifications/choices", data={"kind": kinds})
    assert saved.status_code == 302
    c = open_consultation(client, h)
    answer(client, h["expert"], c["id"])
    assert "awaiting" not in bell(client, h, "member")
    assert 'value="awaiting" checked' not in page.get("/profile").get_data(as_text=True)
    assert page.post("/notifications/choices", data={"kind": ["nonsense"]}).status_code == 422


def test_the_module_notification_leads_to_the_module(app, client, world, h, login_as):
    course = world.spaces["course"]
    client.put(
        f"{API}/spaces/{course}/subscription", headers=h["member"], json={"subscribed": True}
    )
    module = add_module(client, h["expert"], course)
    publish(client, h["expert"], module["id"])
    with app.app_context():
        n = db.session.scalar(select(Notification).where(Notification.module_id == module["id"]))
        assert db.session.get(CourseModule, module["id"]) is not None
        nid = n.id
    page = login_as(world.users["member"])
    response = page.get(f"/notifications/{nid}")
    assert response.status_code == 302 and response.location.endswith(f"/modules/{module['id']}")
    assert page.get(f"/notifications/{nid}").status_code == 302
    assert login_as(world.users["outsider"]).get(f"/notifications/{nid}").status_code == 404


def test_the_bell_page_costs_the_same_for_one_workflow_notification_or_many(
    app, client, world, h, login_as
):
    course, live = world.spaces["course"], world.spaces["live"]
    for space in (course, live):
        client.put(
            f"{API}/spaces/{space}/subscription", headers=h["member"], json={"subscribed": True}
        )
    page = login_as(world.users["member"])
    counts = []
    for n in (1, 3):
        for i in range(n if not counts else n - 1):
            module = add_module(client, h["expert"], course, title=f"Модуль {n}-{i}")
            publish(client, h["expert"], module["id"])
            _session(app, world, 5)
        with app.app_context():
            remind_starting()
        with app.app_context(), QueryCounter(db.engine) as queries:
            html = page.get("/notifications").get_data(as_text=True)
        assert html.count("Новий модуль курсу") == n and html.count("починається о") == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_choices_through_the_api(client, world, h):
    every = client.get(f"{API}/notifications/choices", headers=h["member"]).get_json()
    assert "awaiting" in every["on"] and every["off"] == []
    kept = ["reply", "mention"]
    chosen = client.put(
        f"{API}/notifications/choices", headers=h["member"], json={"on": kept}
    ).get_json()
    assert chosen["on"] == kept and "awaiting" in chosen["off"]
    c = open_consultation(client, h)
    answer(client, h["expert"], c["id"])
    assert "awaiting" not in bell(client, h, "member")
    bad = client.put(f"{API}/notifications/choices", headers=h["member"], json={"on": ["x"]})
    assert bad.status_code == 422
    assert client.get(f"{API}/notifications/choices").status_code == 401
