"""Issue 16: a change that takes reading away ends it on every channel at once. Before the
change the reader opens the discussion's page and its API answer, downloads the file of a
reply, finds the reply by search and has its notification counted; after it, each of them
answers as for something that does not exist, while someone who keeps access still has
them all. (Open sockets: tests/sockets/test_revocation.py; mail queued before the change:
tests/api/test_notification_email.py.)"""

import pytest
from sqlalchemy import select

from cop.extensions import db
from cop.orgs.models import ExpertGroup
from tests import files
from tests.api.test_attachments import attached
from tests.api.test_discussions_api import start
from tests.courses.helpers import published_module
from tests.files import download

API = "/api/v1"
WORD = "ліщинник"  # only in the reply


def _ok(response, status=200) -> None:
    assert response.status_code == status, response.get_data(as_text=True)


def _group_change(http, h, world):
    with http.application.app_context():
        group = db.session.scalar(select(ExpertGroup.id).where(ExpertGroup.name == "Група А"))

    def change():
        members = {"member_ids": [world.users["trainee"].id]}
        _ok(http.patch(f"{API}/expert-groups/{group}", headers=h["admin"], json=members))

    return world.spaces["expert_room"], change


def _space_member_change(http, h, world):
    space, member = world.spaces["forum_members"], world.users["member"].id

    def change():
        _ok(http.delete(f"{API}/spaces/{space}/members/{member}", headers=h["admin"]), 204)

    return space, change


def _space_closed(http, h, world):
    space = world.spaces["forum_signed"]

    def change():
        closed = {"visibility": "members"}
        _ok(http.patch(f"{API}/spaces/{space}", headers=h["admin"], json=closed))

    return space, change


def _moved(http, h, world):
    moves = []

    def change():
        target = {"space_id": world.spaces["forum_members"]}
        _ok(http.post(f"{API}/discussions/{moves[0]}/move", headers=h["moderator"], json=target))

    change.discussion = moves  # filled in once the discussion exists
    return world.spaces["forum_signed"], change


def _module_draft(http, h, world):
    module = published_module(http, h, world.spaces["course"])

    def change():
        draft = {"status": "draft"}
        _ok(http.patch(f"{API}/modules/{module['id']}", headers=h["expert"], json=draft))

    return module["forum_id"], change


# change, reader (loses it), writer (keeps it)
CASES = {
    "removed from the expert group": (_group_change, "expert", "trainee"),
    "removed from the space": (_space_member_change, "member", "space_moderator"),
    "the space closed to them": (_space_closed, "outsider", "moderator"),
    "the discussion moved": (_moved, "outsider", "member"),
    "the course module back to draft": (_module_draft, "member", "expert"),
}


def _channels(http, login_as, person, headers, discussion, file_url) -> dict:
    listed = http.get(
        f"{API}/notifications", headers=headers
    ).get_json()  # before the page reads it
    page = login_as(person).get(f"/discussions/{discussion}")
    found = http.get(f"{API}/search", query_string={"q": WORD}, headers=headers).get_json()
    return {
        "page": page.status_code,
        "api": http.get(f"{API}/discussions/{discussion}", headers=headers).status_code,
        "file": download(http, file_url, headers).status_code,
        "search": found["total"],
        "bell": (listed["total"], listed["unread"]),
    }


@pytest.mark.parametrize("case", CASES)
def test_every_channel_closes_at_once(app, world, h, login_as, case):
    make, reader, writer = CASES[case]
    http = app.test_client()
    space, change = make(http, h, world)
    discussion = start(http, h[reader], space)["id"]  # its author follows it
    if hasattr(change, "discussion"):
        change.discussion.append(discussion)
    r = http.post(
        f"{API}/discussions/{discussion}/posts",
        headers=h[writer],
        json={"body": f"Відповідь про {WORD}."},
    )
    _ok(r, 201)
    [file] = attached(http, h[writer], r.get_json()["id"], (files.png(), "plan.png"))
    before = {"page": 200, "api": 200, "file": 200, "search": 1, "bell": (1, 1)}
    args = (http, login_as, world.users[reader], h[reader], discussion, file["url"])
    assert _channels(*args) == before
    change()
    after = {"page": 404, "api": 404, "file": 404, "search": 0, "bell": (0, 0)}
    assert _channels(*args) == after
    kept = _channels(http, login_as, world.users[writer], h[writer], discussion, file["url"])
    kept.pop("bell")  # the writer's own reply is no news to them
    assert kept == {"page": 200, "api": 200, "file": 200, "search": 1}
