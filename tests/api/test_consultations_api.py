"""Consultations through the API: opening, the whole life cycle, every forbidden move,
assignment, the times and the rating. Community A's committee is `member`, its expert
group `expert` and `trainee`; `outsider` and `other_expert` belong to community B."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from cop.accounts.models import User
from cop.consultations.lifecycle import TRANSITIONS, Trigger
from cop.consultations.models import Consultation, ConsultationEvent, Status
from cop.db import utcnow
from cop.extensions import db
from tests.conftest import QueryCounter

API = "/api/v1/consultations"


@pytest.fixture(autouse=True)
def in_english(app, world):
    """Messages are compared in English; the Ukrainian ones are checked on pages."""
    with app.app_context():
        db.session.execute(update(User).values(locale="en"))
        db.session.commit()


def open_(client, headers, title="Як скласти SWOT?", body="Підкажіть, з чого почати.", **extra):
    response = client.post(API, headers=headers, json={"title": title, "body": body, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def move(client, headers, cid, to, **extra):
    return client.post(f"{API}/{cid}/transitions", headers=headers, json={"to": to, **extra})


def moved(client, headers, cid, to, **extra) -> dict:
    response = move(client, headers, cid, to, **extra)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def post(client, headers, cid, body="Відповідь", path="posts", **extra):
    return client.post(f"{API}/{cid}/{path}", headers=headers, json={"body": body, **extra})


def posted(client, headers, cid, body="Відповідь", path="posts", **extra) -> dict:
    response = post(client, headers, cid, body, path, **extra)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def get(client, headers, cid) -> dict:
    response = client.get(f"{API}/{cid}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def set_status(app, cid, status: Status, assigned: bool = False):
    """Put a consultation straight into a state (for the table-wide tests)."""
    from cop.consultations.models import ConsultationAssignee

    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        consultation.status = status
        if assigned and not consultation.assignees:
            expert = db.session.scalar(select(User).where(User.display_name == "expert"))
            consultation.assignees.append(ConsultationAssignee(user_id=expert.id))
        db.session.commit()


def events(app, cid) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(ConsultationEvent)
            .where(ConsultationEvent.consultation_id == cid)
        )


def test_a_committee_opens_a_consultation_and_its_desk_hears_about_it(client, world, h):
    c = open_(client, h["member"], platform_id=3)
    assert c["status"] == "new"
    assert c["community"]["name"] == "Громада А"
    assert c["platform"]["id"] == 3 and c["platform"]["name"]
    assert c["assignees"] == [] and c["overdue"] is False
    assert [e["kind"] for e in c["events"]] == ["created"]
    assert c["transitions"] == []  # nothing the committee can ask for yet
    question = client.get(f"{API}/{c['id']}/posts", headers=h["member"]).get_json()["items"]
    assert [p["body"] for p in question] == ["Підкажіть, з чого почати."]

    def bell(name):
        return [
            n["kind"] for n in client.get("/api/v1/notifications", headers=h[name]).json["items"]
        ]

    assert bell("expert") == ["discussion"] and bell("trainee") == ["discussion"]
    assert bell("other_expert") == [] and bell("outsider") == [] and bell("member") == []
    assert get(client, h["expert"], c["id"])["transitions"] == ["assigned"]


def test_the_whole_life_cycle(app, client, world, h):
    c = open_(client, h["member"])
    cid = c["id"]
    # the expert takes it on: assigned, with the expert as assignee
    c = moved(client, h["expert"], cid, "assigned")
    assert c["status"] == "assigned" and [a["display_name"] for a in c["assignees"]] == ["expert"]
    # a note changes nothing; the expert's public reply is the first response
    posted(client, h["expert"], cid, "Нотатка для своїх", path="notes")
    assert get(client, h["member"], cid)["first_response_at"] is None
    posted(client, h["expert"], cid, "Почніть з профілю громади.")
    c = get(client, h["member"], cid)
    assert c["status"] == "answered" and c["first_response_at"] is not None
    first_response = c["first_response_at"]
    # the expert asks the committee something; the committee's reply answers the wait
    c = moved(client, h["expert"], cid, "awaiting_committee")
    assert c["status"] == "awaiting_committee"
    assert get(client, h["member"], cid)["transitions"] == ["answered", "resolved"]
    posted(client, h["member"], cid, "Профіль маємо з 2023 року.")
    assert get(client, h["member"], cid)["status"] == "answered"
    # ... or the committee says so without writing
    moved(client, h["trainee"], cid, "awaiting_committee")
    assert moved(client, h["member"], cid, "answered")["status"] == "answered"
    # later replies by the experts keep the first response time
    posted(client, h["trainee"], cid, "Ще порада.")
    assert get(client, h["member"], cid)["first_response_at"] == first_response
    # the committee resolves with a rating
    c = moved(client, h["member"], cid, "resolved", rating=5, comment="Дякуємо!")
    assert c["status"] == "resolved" and c["rating"] == 5 and c["rating_comment"] == "Дякуємо!"
    assert c["resolved_at"] is not None and c["closed_at"] is None
    # thanks are still welcome; then the expert closes it, and public replies stop
    posted(client, h["member"], cid, "Ще раз дякуємо.")
    c = moved(client, h["expert"], cid, "closed")
    assert c["status"] == "closed" and c["closed_at"] is not None
    refused = post(client, h["member"], cid, "А ще питання")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == (
        "This consultation is closed. Reopen it to write more."
    )
    posted(client, h["expert"], cid, "Нотатка після закриття", path="notes")
    # the committee reopens: someone is assigned, so it is assigned again
    assert get(client, h["member"], cid)["transitions"] == ["assigned"]
    c = moved(client, h["member"], cid, "assigned")
    assert c["status"] == "assigned"
    assert c["resolved_at"] is None and c["closed_at"] is None and c["rating"] is None
    assert c["first_response_at"] == first_response
    timeline = [(e["kind"], e["from_status"], e["to_status"]) for e in c["events"]]
    assert timeline == [
        ("created", None, "new"),
        ("assigned", None, None),
        ("status", "new", "assigned"),
        ("status", "assigned", "answered"),
        ("status", "answered", "awaiting_committee"),
        ("status", "awaiting_committee", "answered"),
        ("status", "answered", "awaiting_committee"),
        ("status", "awaiting_committee", "answered"),
        ("status", "answered", "resolved"),
        ("status", "resolved", "closed"),
        ("status", "closed", "assigned"),
    ]
    resolution = c["events"][8]
    assert resolution["actor"]["display_name"] == "member"
    assert resolution["detail"] == {"rating": 5, "comment": "Дякуємо!"}
    assert c["events"][1]["subject"]["display_name"] == "expert"
    # resolved again: a new rating, the old one stays in the timeline
    set_status(app, cid, Status.ANSWERED)
    assert moved(client, h["member"], cid, "resolved", rating=3)["rating"] == 3


def test_reopening_with_nobody_assigned_makes_it_new(app, client, world, h):
    cid = open_(client, h["member"])["id"]
    posted(client, h["expert"], cid)  # answered straight away, nobody assigned
    assert get(client, h["member"], cid)["status"] == "answered"
    moved(client, h["member"], cid, "resolved", rating=4)
    assert get(client, h["member"], cid)["transitions"] == ["closed", "new"]
    refused = move(client, h["member"], cid, "assigned")
    assert refused.status_code == 409
    assert "Nobody is assigned yet" in refused.get_json()["error"]["message"]
    assert moved(client, h["moderator"], cid, "new")["status"] == "new"
    # with an assignee, reopening to new is refused
    moved(client, h["expert"], cid, "assigned")
    posted(client, h["expert"], cid)
    moved(client, h["member"], cid, "resolved", rating=4)
    refused = move(client, h["member"], cid, "new")
    assert refused.status_code == 409 and "Someone is assigned" in refused.json["error"]["message"]


FORBIDDEN = [
    (a, b) for a in Status for b in Status if Trigger.REQUEST not in TRANSITIONS.get((a, b), {})
]


@pytest.mark.parametrize(("current", "to"), FORBIDDEN, ids=lambda s: s.value)
def test_every_forbidden_move_is_a_conflict_and_changes_nothing(app, client, world, h, current, to):
    cid = open_(client, h["member"])["id"]
    set_status(app, cid, current, assigned=current != Status.NEW)
    before = events(app, cid)
    for name in ("member", "expert", "moderator"):
        response = move(
            client, h[name], cid, to.value, **({"rating": 5} if to == "resolved" else {})
        )
        assert response.status_code == 409, (name, response.get_json())
        message = response.get_json()["error"]["message"]
        assert to.value.split("_")[0] in message.lower()  # the state is named
    assert get(client, h["member"], cid)["status"] == current
    assert events(app, cid) == before


ALLOWED = [
    (a, b, ways[Trigger.REQUEST]) for (a, b), ways in TRANSITIONS.items() if Trigger.REQUEST in ways
]
PARTY_OF = {"member": "committee", "expert": "team", "trainee": "team", "moderator": "staff"}


@pytest.mark.parametrize(("current", "to", "parties"), ALLOWED, ids=str)
def test_each_move_only_by_its_parties(app, client, world, h, current, to, parties):
    """Everyone else gets 403 (or 404 when the consultation is not theirs to see) and
    nothing changes; then one of the right party makes the move."""
    cid = open_(client, h["member"])["id"]
    assigned = to != Status.NEW
    set_status(app, cid, current, assigned=assigned)
    extra = {"rating": 4} if to == Status.RESOLVED else {}
    for name in ("outsider", "other_expert"):
        assert move(client, h[name], cid, to.value, **extra).status_code == 404
    allowed = [n for n, p in PARTY_OF.items() if p in {x.value for x in parties}]
    for name in set(PARTY_OF) - set(allowed):
        response = move(client, h[name], cid, to.value, **extra)
        assert response.status_code == 403, (name, response.get_json())
    assert get(client, h["member"], cid)["status"] == current
    assert moved(client, h[allowed[0]], cid, to.value, **extra)["status"] == to


def test_the_rating_is_the_committees_and_only_when_resolving(client, world, h):
    cid = open_(client, h["member"])["id"]
    rating = f"{API}/{cid}/rating"
    assert client.post(rating, headers=h["member"], json={"rating": 5}).status_code == 409  # new
    posted(client, h["expert"], cid)
    for bad, field in ((0, "rating"), (6, "rating"), ("5", "rating"), (None, "rating")):
        response = client.post(rating, headers=h["member"], json={"rating": bad})
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    too_long = client.post(rating, headers=h["member"], json={"rating": 5, "comment": "x" * 2001})
    assert too_long.status_code == 422
    assert move(client, h["member"], cid, "resolved").status_code == 422  # no rating
    assert client.post(rating, headers=h["expert"], json={"rating": 5}).status_code == 403
    assert client.post(rating, headers=h["moderator"], json={"rating": 5}).status_code == 403
    assert client.post(rating, headers=h["outsider"], json={"rating": 5}).status_code == 404
    assert get(client, h["member"], cid)["status"] == "answered"
    moved(client, h["expert"], cid, "awaiting_committee")
    done = client.post(rating, headers=h["member"], json={"rating": 2, "comment": "  Мало  "})
    assert done.status_code == 200
    assert (done.json["status"], done.json["rating"], done.json["rating_comment"]) == (
        "resolved",
        2,
        "Мало",
    )
    assert client.post(rating, headers=h["member"], json={"rating": 5}).status_code == 409
    closing = move(client, h["member"], cid, "closed", rating=5)
    assert closing.status_code == 422
    assert closing.json["error"]["fields"] == {"rating": "A rating is given when resolving."}


def test_assignment(app, client, world, h):
    cid = open_(client, h["member"])["id"]
    u = {name: user.id for name, user in world.users.items()}

    def assign(name, ids):
        return client.patch(f"{API}/{cid}", headers=h[name], json={"assignee_ids": ids})

    assert assign("member", [u["expert"]]).status_code == 403
    assert assign("other_expert", [u["other_expert"]]).status_code == 404
    assert assign("expert", [u["trainee"]]).status_code == 403  # not themselves
    assert get(client, h["member"], cid)["status"] == "new"
    # self-assign moves it to assigned
    c = assign("trainee", [u["trainee"]]).get_json()
    assert c["status"] == "assigned" and [a["id"] for a in c["assignees"]] == [u["trainee"]]
    # the expert cannot take the trainee off
    assert assign("expert", [u["expert"]]).status_code == 403
    c = assign("expert", [u["trainee"], u["expert"]]).get_json()
    assert {a["id"] for a in c["assignees"]} == {u["trainee"], u["expert"]}
    # staff assign only the desk's experts and trainees
    refused = assign("moderator", [u["other_expert"]])
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {
        "assignee_ids": "Only the desk's experts and trainees can be assigned."
    }
    assert assign("moderator", [u["member"]]).status_code == 422
    # removing everyone moves it back to new
    c = assign("moderator", []).get_json()
    assert c["status"] == "new" and c["assignees"] == []
    kinds = [(e["kind"], e["actor"]["display_name"]) for e in c["events"]]
    assert kinds[-3:] == [
        ("unassigned", "moderator"),
        ("unassigned", "moderator"),
        ("status", "moderator"),
    ]
    c = assign("moderator", [u["expert"]]).get_json()
    assert c["status"] == "assigned"


def test_platform_and_title_changes(client, world, h):
    cid = open_(client, h["member"])["id"]
    c = client.patch(f"{API}/{cid}", headers=h["expert"], json={"platform_id": 5}).get_json()
    assert c["platform"]["id"] == 5 and c["events"][-1]["kind"] == "platform"
    assert c["events"][-1]["detail"] == {"from": None, "to": 5}
    bad = client.patch(f"{API}/{cid}", headers=h["expert"], json={"platform_id": 999})
    assert bad.status_code == 422
    renamed = client.patch(f"{API}/{cid}", headers=h["member"], json={"title": "SWOT громади"})
    assert renamed.get_json()["title"] == "SWOT громади"
    assert (
        client.patch(f"{API}/{cid}", headers=h["trainee"], json={"title": "X"}).status_code == 403
    )


def test_opening_checks_its_fields(app, client, world, h):
    refused = client.post(
        API, headers=h["member"], json={"title": "T", "body": "B", "module_id": 1}
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"module_id": "There is no such course module."}
    for field, value in (("platform_id", 999), ("community_id", 999)):
        response = client.post(
            API, headers=h["member"], json={"title": "T", "body": "B", field: value}
        )
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert client.post(API, headers=h["member"], json={"title": "", "body": "B"}).status_code == 422
    assert (
        client.post(API, headers=h["expert"], json={"title": "T", "body": "B"}).status_code == 403
    )
    # staff say which community; a community's desk is not for another's committee
    no_community = client.post(API, headers=h["moderator"], json={"title": "T", "body": "B"})
    assert no_community.status_code == 422
    a = world_community(app, world, "member")
    assert open_(client, h["moderator"], community_id=a)["community"]["id"] == a
    assert (
        client.post(
            API, headers=h["outsider"], json={"title": "T", "body": "B", "community_id": a}
        ).status_code
        == 404
    )
    assert client.post(API, json={"title": "T", "body": "B"}).status_code == 401


def world_community(app, world, name) -> int:
    from cop.orgs.models import CommitteeMembership

    with app.app_context():
        return db.session.scalar(
            select(CommitteeMembership.community_id).where(
                CommitteeMembership.user_id == world.users[name].id
            )
        )


def test_a_community_without_a_desk_gets_one(app, client, world, h):
    from cop.spaces.models import Space, SpaceKind

    c = open_(client, h["outsider"])  # community B has no desk yet
    assert c["community"]["name"] == "Громада Б"
    with app.app_context():
        desks = db.session.scalars(
            select(Space).where(Space.kind == SpaceKind.CONSULTATION_DESK)
        ).all()
        assert sorted(d.title for d in desks) == ["Консультації А", "Консультації: Громада Б"]
    assert get(client, h["other_expert"], c["id"])["status"] == "new"
    assert client.get(f"{API}/{c['id']}", headers=h["member"]).status_code == 404
    assert client.get(f"{API}/{c['id']}", headers=h["expert"]).status_code == 404
    second = open_(client, h["outsider"], title="Друге")
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Space)
                .where(Space.kind == SpaceKind.CONSULTATION_DESK)
            )
            == 2
        )
    assert second["discussion_id"] != c["discussion_id"]


def test_a_repeated_idempotency_key_opens_one_consultation(client, world, h):
    headers = {**h["member"], "Idempotency-Key": "once"}
    first, second = open_(client, headers), open_(client, headers)
    assert first["id"] == second["id"]
    listed = client.get(API, headers=h["member"]).get_json()
    assert listed["total"] == 1


def test_times_and_overdue(app, client, world, h):
    cid = open_(client, h["member"])["id"]
    assert get(client, h["expert"], cid)["overdue"] is False
    with app.app_context():
        db.session.execute(
            update(Consultation)
            .where(Consultation.id == cid)
            .values(created_at=utcnow() - timedelta(days=8))
        )
        db.session.commit()
    assert get(client, h["expert"], cid)["overdue"] is True
    overdue = client.get(f"{API}?overdue=true", headers=h["expert"]).get_json()
    assert [c["id"] for c in overdue["items"]] == [cid]
    # replies by the committee or staff are not a response from the desk
    posted(client, h["member"], cid, "Нагадуємо про питання.")
    posted(client, h["moderator"], cid, "Передаю експертам.")
    assert get(client, h["expert"], cid)["overdue"] is True
    posted(client, h["trainee"], cid, "Вибачте за затримку.")
    c = get(client, h["expert"], cid)
    assert c["overdue"] is False and c["first_response_at"] is not None
    assert client.get(f"{API}?overdue=true", headers=h["expert"]).get_json()["items"] == []
    moved(client, h["member"], cid, "resolved", rating=4)
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        assert consultation.created_at < consultation.first_response_at <= consultation.resolved_at


def test_list_filters_and_counts(app, client, world, h):
    u = {name: user.id for name, user in world.users.items()}
    first = open_(client, h["member"], title="Перша", platform_id=1)["id"]
    second = open_(client, h["member"], title="Друга", platform_id=2)["id"]
    third = open_(client, h["member"], title="Третя")["id"]
    moved(client, h["expert"], first, "assigned")
    client.patch(f"{API}/{second}", headers=h["trainee"], json={"assignee_ids": [u["trainee"]]})
    posted(client, h["trainee"], second)
    with app.app_context():
        db.session.execute(
            update(Consultation)
            .where(Consultation.id == third)
            .values(created_at=utcnow() - timedelta(days=10))
        )
        db.session.commit()

    def titles(headers, query=""):
        body = client.get(f"{API}?{query}", headers=headers).get_json()
        return [c["title"] for c in body["items"]], body["total"], body["counts"]

    every, total, counts = titles(h["expert"])
    assert every == ["Друга", "Перша", "Третя"] and total == 3
    assert counts == {
        "new": 1,
        "assigned": 1,
        "answered": 1,
        "awaiting_committee": 0,
        "resolved": 0,
        "closed": 0,
    }
    assert titles(h["expert"], "order=oldest")[0] == ["Третя", "Перша", "Друга"]
    assert titles(h["expert"], "status=assigned")[:2] == (["Перша"], 1)
    assert titles(h["expert"], "status=assigned")[2] == counts  # counts ignore the status
    assert titles(h["expert"], "assignee=mine")[0] == ["Перша"]
    assert titles(h["trainee"], "assignee=mine")[0] == ["Друга"]
    assert titles(h["expert"], "assignee=unassigned")[0] == ["Третя"]
    assert titles(h["expert"], "platform_id=2")[0] == ["Друга"]
    assert titles(h["expert"], "older_than_days=7")[0] == ["Третя"]
    assert titles(h["expert"], f"community_id={world_community(app, world, 'member')}")[1] == 3
    assert titles(h["member"])[1] == 3  # the committee sees its own
    bad = client.get(f"{API}?status=lost&per_page=500", headers=h["expert"])
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"status", "per_page"}
    assert client.get(API).status_code == 401


def test_the_list_costs_the_same_for_many_consultations(app, client, world, h):
    u = {name: user.id for name, user in world.users.items()}

    def cost():
        with app.app_context():
            engine = db.engine
        with QueryCounter(engine) as counter:
            response = client.get(API, headers=h["expert"])
        assert response.status_code == 200
        return len(counter), len(response.get_json()["items"])

    for i in range(2):
        cid = open_(client, h["member"], title=f"П{i}", platform_id=1)["id"]
        client.patch(f"{API}/{cid}", headers=h["expert"], json={"assignee_ids": [u["expert"]]})
    cost()  # the unread counts are counted after a write, then kept (cop/person_cache.py)
    few, n = cost()
    assert n == 2
    for i in range(6):
        cid = open_(client, h["member"], title=f"Q{i}", platform_id=2 + i)["id"]
        client.patch(f"{API}/{cid}", headers=h["moderator"], json={"assignee_ids": [u["trainee"]]})
        posted(client, h["trainee"], cid)
    cost()
    many, n = cost()
    assert n == 8 and many == few
    open_(client, h["outsider"])  # another desk
    with app.app_context():
        engine = db.engine
    client.get(API, headers=h["moderator"])
    with QueryCounter(engine) as counter:
        assert client.get(API, headers=h["moderator"]).status_code == 200
    assert len(counter) == few


def test_openapi_describes_consultations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths[API]) == {"get", "post"}
    assert set(paths[API + "/{consultation_id}"]) == {"get", "patch"}
    for tail in ("transitions", "rating"):
        assert set(paths[f"{API}/{{consultation_id}}/{tail}"]) == {"post"}
    for tail in ("posts", "notes"):
        assert set(paths[f"{API}/{{consultation_id}}/{tail}"]) == {"get", "post"}
    create = paths[API]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert create.endswith("/ConsultationIn")
