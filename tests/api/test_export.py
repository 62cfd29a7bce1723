"""Export of a forum or a discussion for those who moderate it: exactly what the
exporting person may read, as JSON (API), CSV and HTML (pages)."""

import csv
import io

from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.spaces.models import SpaceMembership, SpaceRole
from tests.conftest import QueryCounter


def start(client, headers, space_id, title, **extra):
    response = client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": "Перший допис", **extra},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def reply(client, headers, discussion_id, body, **extra):
    response = client.post(
        f"/api/v1/discussions/{discussion_id}/posts",
        headers=headers,
        json={"body": body, **extra},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def bodies(exported) -> dict:
    return {d["title"]: [p["body"] for p in d["posts"]] for d in exported["discussions"]}


def test_forum_export_holds_every_readable_post_with_its_marks(client, world, h):
    forum = world.spaces["forum_signed"]
    first = start(client, h["member"], forum, "Бюджет")
    public = reply(client, h["outsider"], first["id"], "Публічна відповідь")
    reply(client, h["expert"], first["id"], "Лише автору", parent_id=public["id"], private=True)
    rude = reply(client, h["outsider"], first["id"], "Грубість")
    gone = reply(client, h["outsider"], first["id"], "Видалене")
    assert client.put(f"/api/v1/posts/{rude['id']}/hidden", headers=h["moderator"]).status_code
    assert client.delete(f"/api/v1/posts/{gone['id']}", headers=h["outsider"]).status_code == 204
    start(client, h["outsider"], forum, "Друга тема")
    response = client.get(f"/api/v1/spaces/{forum}/export", headers=h["space_moderator"])
    assert response.status_code == 200, response.get_json()
    exported = response.get_json()
    assert bodies(exported) == {
        "Бюджет": ["Перший допис", "Публічна відповідь", "Лише автору", "Грубість"],
        "Друга тема": ["Перший допис"],
    }
    posts = exported["discussions"][0]["posts"]
    assert [(p["private"], p["hidden"]) for p in posts[2:]] == [(True, False), (False, True)]
    assert posts[2]["parent_id"] == public["id"]
    one = client.get(f"/api/v1/discussions/{first['id']}/export", headers=h["moderator"])
    assert [d["title"] for d in one.get_json()["discussions"]] == ["Бюджет"]


def test_export_leaves_out_what_the_exporter_may_not_read(app, client, world, h):
    """A committee member who moderates their desk never reads the experts' internal
    notes, so their export does not hold them; the desk's expert's does."""
    desk = world.spaces["desk"]
    member = world.users["member"]
    with app.app_context():
        db.session.add(SpaceMembership(space_id=desk, user_id=member.id, role=SpaceRole.MODERATOR))
        discussion = Discussion(space_id=desk, title="Питання громади", author_id=member.id)
        db.session.add(discussion)
        db.session.flush()
        question = Post(discussion=discussion, author_id=member.id, body="Як?", body_html="Як?")
        db.session.add(question)
        db.session.flush()
        db.session.add(
            Post(
                discussion=discussion,
                parent_id=question.id,
                author_id=world.users["expert"].id,
                body="Нотатка для своїх",
                body_html="Нотатка для своїх",
                internal=True,
            )
        )
        db.session.commit()
        discussion_id = discussion.id
    path = f"/api/v1/spaces/{desk}/export"
    assert bodies(client.get(path, headers=h["member"]).get_json()) == {"Питання громади": ["Як?"]}
    theirs = client.get(path, headers=h["expert"]).get_json()
    assert bodies(theirs) == {"Питання громади": ["Як?", "Нотатка для своїх"]}
    assert theirs["discussions"][0]["posts"][1]["internal"] is True
    # the same on the pages' files
    page = app.test_client()
    page.post("/login", data={"email": member.email, "password": "correct horse battery"})
    for fmt in ("csv", "html"):
        text = page.get(f"/discussions/{discussion_id}/export.{fmt}").get_data(as_text=True)
        assert "Як?" in text and "Нотатка" not in text


def test_only_those_who_moderate_export(client, world, h):
    forum = world.spaces["forum_signed"]
    mine = start(client, h["member"], forum, "Моя тема")
    assert client.get(f"/api/v1/spaces/{forum}/export", headers=h["member"]).status_code == 403
    path = f"/api/v1/discussions/{mine['id']}/export"
    assert client.get(path, headers=h["member"]).status_code == 403
    members = world.spaces["forum_members"]
    assert client.get(f"/api/v1/spaces/{members}/export", headers=h["outsider"]).status_code == 404
    assert client.get("/api/v1/discussions/999999/export", headers=h["admin"]).status_code == 404
    assert client.get(path).status_code == 401


def test_csv_and_html_files_open_safely(client, world, h, login_as):
    forum = world.spaces["forum_signed"]
    sly = start(client, h["member"], forum, '=HYPERLINK("http://evil")', body="@SUM(1+1)")
    reply(client, h["outsider"], sly["id"], "<script>alert(1)</script> **жирно**")
    moderator = login_as(world.users["moderator"])
    response = moderator.get(f"/spaces/{forum}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][:3] == ["Обговорення", "Назва", "Допис"]
    assert rows[1][1] == '\'=HYPERLINK("http://evil")' and rows[1][-1] == "'@SUM(1+1)"
    html = moderator.get(f"/discussions/{sly['id']}/export.html")
    assert html.mimetype == "text/html"
    assert (
        html.headers["Content-Disposition"] == f'attachment; filename="discussion-{sly["id"]}.html"'
    )
    page = html.get_data(as_text=True)
    assert "<strong>жирно</strong>" in page and "<script>alert" not in page
    assert "<h1>=HYPERLINK(&#34;http://evil&#34;)</h1>" in page
    assert moderator.get(f"/spaces/{forum}/export.pdf").status_code == 404


def test_forum_export_costs_the_same_queries_for_more_discussions(app, client, world, h):
    forum = world.spaces["forum_signed"]

    def counted() -> int:
        client.get(f"/api/v1/spaces/{forum}/export", headers=h["moderator"])
        with app.app_context(), QueryCounter(db.engine) as queries:
            response = client.get(f"/api/v1/spaces/{forum}/export", headers=h["moderator"])
        assert response.status_code == 200
        return len(queries)

    for n in range(2):
        reply(client, h["outsider"], start(client, h["member"], forum, f"Тема {n}")["id"], "Так")
    small = counted()
    for n in range(8):
        reply(client, h["outsider"], start(client, h["member"], forum, f"Ще {n}")["id"], "Так")
    assert counted() == small


def test_discussion_and_report_pages_offer_the_export_to_moderators(client, world, h, login_as):
    forum = world.spaces["forum_signed"]
    mine = start(client, h["member"], forum, "Тема")
    link = f"/discussions/{mine['id']}/export.html"
    assert link in login_as(world.users["space_moderator"]).get(f"/discussions/{mine['id']}").text
    member = login_as(world.users["member"])
    assert link not in member.get(f"/discussions/{mine['id']}").text
    assert member.get(link).status_code == 403
    report = login_as(world.users["moderator"]).get(f"/spaces/{forum}/participation").text
    assert f"/spaces/{forum}/export.csv" in report
