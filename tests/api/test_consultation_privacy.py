"""Two promises, by every path of the API: a community's consultations are never seen by
another community's people, and internal notes never reach the committee."""

import pytest

from cop.extensions import db
from tests.files import PDF, download, upload

API = "/api/v1/consultations"


def open_(client, headers, title="Бюджет розвитку", body="Як врахувати інвестиції?"):
    response = client.post(API, headers=headers, json={"title": title, "body": body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def posted(client, headers, cid, body, path="posts", **extra) -> dict:
    response = client.post(f"{API}/{cid}/{path}", headers=headers, json={"body": body, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def attach(client, headers, post_id, name="Кошторис.pdf") -> str:
    response = client.post(
        f"/api/v1/posts/{post_id}/attachments",
        headers=headers,
        data={"file": [upload(PDF, name)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["items"][0]["url"]


def bell(client, headers) -> list[int]:
    return [
        n["post_id"] for n in client.get("/api/v1/notifications", headers=headers).json["items"]
    ]


@pytest.fixture
def consultation(client, world, h):
    """Community A's consultation, assigned, answered, with an attachment on the question."""
    c = open_(client, h["member"])
    question = client.get(f"{API}/{c['id']}/posts", headers=h["member"]).json["items"][0]
    url = attach(client, h["member"], question["id"])
    client.post(f"{API}/{c['id']}/transitions", headers=h["expert"], json={"to": "assigned"})
    answer = posted(client, h["expert"], c["id"], "Див. додаток.")
    return {
        "id": c["id"],
        "discussion": c["discussion_id"],
        "question": question["id"],
        "answer": answer["id"],
        "file": url,
    }


def test_another_communitys_people_never_see_a_consultation(client, world, h, consultation):
    cid, did = consultation["id"], consultation["discussion"]
    for name in ("outsider", "other_expert"):
        headers = h[name]
        for path in ("", "/posts", "/notes"):
            assert client.get(f"{API}/{cid}{path}", headers=headers).status_code == 404
        for path, body in (
            ("/transitions", {"to": "awaiting_committee"}),
            ("/rating", {"rating": 5}),
            ("/posts", {"body": "x"}),
            ("/notes", {"body": "x"}),
        ):
            assert client.post(f"{API}/{cid}{path}", headers=headers, json=body).status_code == 404
        assert client.patch(f"{API}/{cid}", headers=headers, json={"title": "x"}).status_code == 404
        assert client.get(f"/api/v1/discussions/{did}", headers=headers).status_code == 404
        assert client.get(f"/api/v1/discussions/{did}/posts", headers=headers).status_code == 404
        for post_id in (consultation["question"], consultation["answer"]):
            assert client.get(f"/api/v1/posts/{post_id}", headers=headers).status_code == 404
        assert download(client, consultation["file"], headers).status_code == 404
        listed = client.get(API, headers=headers).get_json()
        assert listed["items"] == [] and listed["total"] == 0
        assert set(listed["counts"].values()) == {0}
        assert client.get(f"{API}?community_id=1", headers=headers).json["total"] == 0
        assert bell(client, headers) == []
    assert download(client, consultation["file"], h["trainee"]).status_code == 200
    assert client.get(API, headers=h["member"]).json["total"] == 1


def test_guests_and_signed_in_strangers_see_nothing(app, client, world, h, consultation, make_user):
    from tests.conftest import bearer

    stranger = bearer(app, make_user())
    cid = consultation["id"]
    assert client.get(f"{API}/{cid}", headers=stranger).status_code == 404
    assert client.get(API, headers=stranger).json["total"] == 0
    assert download(client, consultation["file"]).status_code == 404
    assert client.get(f"/api/v1/posts/{consultation['question']}").status_code == 404


@pytest.fixture
def note(client, world, h, consultation):
    """An internal note on the committee's question, with a file, @mentioning the member."""
    username = world.users["member"].username
    made = posted(
        client, h["expert"], consultation["id"], f"@{username} не знає про борг", path="notes"
    )
    assert made["internal"] is True
    reply = posted(
        client,
        h["trainee"],
        consultation["id"],
        "Перевірю борг",
        path="notes",
        parent_id=made["id"],
    )
    return {
        **made,
        "reply": reply["id"],
        "file": attach(client, h["expert"], made["id"], "Борг.pdf"),
    }


def test_internal_notes_are_for_the_desk_and_staff(client, world, h, consultation, note):
    cid = consultation["id"]
    for name in ("expert", "trainee", "moderator", "admin"):
        notes = client.get(f"{API}/{cid}/notes", headers=h[name]).get_json()
        assert [p["id"] for p in notes["items"]] == [note["id"], note["reply"]]
        public = client.get(f"{API}/{cid}/posts", headers=h[name]).json["items"]
        assert note["id"] not in [p["id"] for p in public]
        assert download(client, note["file"], h[name]).status_code == 200
    # the trainee heard about the expert's note, the expert about the trainee's reply
    assert note["id"] in bell(client, h["trainee"])
    assert note["reply"] in bell(client, h["expert"])


def test_internal_notes_never_reach_the_committee(client, world, h, consultation, note):
    cid, did, member = consultation["id"], consultation["discussion"], h["member"]
    assert client.get(f"{API}/{cid}/notes", headers=member).status_code == 403
    assert client.post(f"{API}/{cid}/notes", headers=member, json={"body": "x"}).status_code == 403
    public = client.get(f"{API}/{cid}/posts", headers=member).get_json()
    assert [p["id"] for p in public["items"]] == [consultation["question"], consultation["answer"]]
    assert public["total"] == 2
    everything = client.get(f"/api/v1/discussions/{did}/posts", headers=member).get_json()
    assert note["id"] not in [p["id"] for p in everything["items"]]
    for post_id in (note["id"], note["reply"]):
        assert client.get(f"/api/v1/posts/{post_id}", headers=member).status_code == 404
        assert (
            client.patch(f"/api/v1/posts/{post_id}", headers=member, json={"body": "x"}).status_code
            == 404
        )
    assert download(client, note["file"], member).status_code == 404
    # not in the bell, though the note @mentions them (the public answer is); not in counts
    assert consultation["answer"] in bell(client, member)
    assert note["id"] not in bell(client, member) and note["reply"] not in bell(client, member)
    assert client.get(f"{API}/{cid}", headers=member).json["unread_count"] == 1  # the answer
    assert client.get(f"/api/v1/discussions/{did}", headers=member).json["unread_count"] == 1
    assert client.get(API, headers=member).json["items"][0]["unread_count"] == 1
    # replying to a note is "no such post", publicly or not
    for path in (f"{API}/{cid}/posts", f"/api/v1/discussions/{did}/posts"):
        refused = client.post(path, headers=member, json={"body": "x", "parent_id": note["id"]})
        assert refused.status_code == 422
        assert list(refused.get_json()["error"]["fields"]) == ["parent_id"]
    # the discussion's counters count public posts only
    assert client.get(f"/api/v1/discussions/{did}", headers=member).json["reply_count"] == 1


def test_a_public_reply_to_a_note_is_refused(client, world, h, consultation, note):
    refused = client.post(
        f"{API}/{consultation['id']}/posts",
        headers=h["expert"],
        json={"body": "x", "parent_id": note["id"]},
    )
    assert refused.status_code == 409 and list(refused.json["error"]["fields"]) == ["parent_id"]
    private = client.post(
        f"/api/v1/discussions/{consultation['discussion']}/posts",
        headers=h["expert"],
        json={"body": "x", "parent_id": consultation["question"], "private": True},
    )
    assert private.status_code == 201 and private.json["internal"] is False


def test_the_committee_cannot_delete_its_question_but_staff_can(app, client, world, h):
    from cop.consultations.models import Consultation

    cid = open_(client, h["member"])["id"]
    question = client.get(f"{API}/{cid}/posts", headers=h["member"]).json["items"][0]["id"]
    assert client.delete(f"/api/v1/posts/{question}", headers=h["member"]).status_code == 403
    assert client.delete(f"/api/v1/posts/{question}", headers=h["expert"]).status_code == 403
    assert client.delete(f"/api/v1/posts/{question}", headers=h["moderator"]).status_code == 204
    with app.app_context():
        assert db.session.get(Consultation, cid) is None


def test_a_consultation_cannot_be_moved_off_its_desk(client, world, h, consultation):
    response = client.post(
        f"/api/v1/discussions/{consultation['discussion']}/move",
        headers=h["moderator"],
        json={"space_id": world.spaces["forum_signed"]},
    )
    assert response.status_code == 409
