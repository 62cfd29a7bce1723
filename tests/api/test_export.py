"""Export of a forum or a discussion: everything for those who moderate it, their own
posts for the other members; exactly what the exporting person may read, as JSON (API),
CSV and HTML (pages)."""

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


def test_a_member_exports_only_their_own_posts(client, world, h, login_as):
    forum = world.spaces["forum_signed"]
    mine = start(client, h["member"], forum, "Моя тема")
    reply(client, h["outsider"], mine["id"], "Чужа відповідь")
    reply(client, h["expert"], mine["id"], "Лише автору", private=True)
    hidden = reply(client, h["member"], mine["id"], "Моя прихована")
    assert client.put(f"/api/v1/posts/{hidden['id']}/hidden", headers=h["moderator"]).status_code
    gone = reply(client, h["member"], mine["id"], "Моя видалена")
    assert client.delete(f"/api/v1/posts/{gone['id']}", headers=h["member"]).status_code == 204
    theirs = start(client, h["outsider"], forum, "Чужа тема", body="Чужий допис")
    reply(client, h["member"], theirs["id"], "Моя відповідь там")
    start(client, h["outsider"], forum, "Тема без мене")
    path = f"/api/v1/spaces/{forum}/export"
    exported = client.get(path, headers=h["member"]).get_json()
    # the author still reads their hidden post (policy `view_body`), so it is theirs to keep
    assert bodies(exported) == {
        "Моя тема": ["Перший допис", "Моя прихована"],
        "Чужа тема": ["Моя відповідь там"],
    }
    assert [p["hidden"] for p in exported["discussions"][0]["posts"]] == [False, True]
    everything = bodies(client.get(path, headers=h["space_moderator"]).get_json())
    assert everything["Моя тема"] == [
        "Перший допис",
        "Чужа відповідь",
        "Лише автору",
        "Моя прихована",
    ]
    assert everything["Тема без мене"] == ["Перший допис"]
    one = client.get(f"/api/v1/discussions/{theirs['id']}/export", headers=h["member"])
    assert one.status_code == 200 and bodies(one.get_json()) == {"Чужа тема": ["Моя відповідь там"]}
    page = login_as(world.users["member"])
    for fmt in ("csv", "html"):
        text = page.get(f"/spaces/{forum}/export.{fmt}").get_data(as_text=True)
        assert "Моя відповідь там" in text and "Моя прихована" in text
        assert "Чужа відповідь" not in text and "Лише автору" not in text
        assert "Чужий допис" not in text and "Тема без мене" not in text


def test_a_member_who_wrote_nothing_exports_nothing(client, world, h):
    forum = world.spaces["forum_signed"]
    theirs = start(client, h["outsider"], forum, "Чужа тема")
    assert client.get(f"/api/v1/spaces/{forum}/export", headers=h["member"]).get_json() == {
        "space_id": forum,
        "discussions": [],
    }
    path = f"/api/v1/discussions/{theirs['id']}/export"
    assert client.get(path, headers=h["member"]).get_json()["discussions"] == []


def test_those_who_may_not_read_the_forum_find_no_export(client, world, h, login_as):
    members = world.spaces["forum_members"]
    inside = start(client, h["member"], members, "Для своїх")
    for path in (
        f"/api/v1/spaces/{members}/export",
        f"/api/v1/discussions/{inside['id']}/export",
    ):
        assert client.get(path, headers=h["outsider"]).status_code == 404
        assert client.get(path).status_code == 401
    outsider = login_as(world.users["outsider"])
    for path in (f"/spaces/{members}/export.csv", f"/discussions/{inside['id']}/export.html"):
        assert outsider.get(path).status_code == 404
        assert "/login" in client.get(path).headers["Location"]
    missing = client.get("/api/v1/discussions/999999/export", headers=h["admin"])
    assert missing.status_code == 404
    assert outsider.get("/discussions/999999/export.csv").status_code == 404


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


def test_pages_offer_the_whole_export_to_moderators_and_their_own_to_members(
    client, world, h, login_as
):
    forum = world.spaces["forum_signed"]
    mine = start(client, h["member"], forum, "Тема")
    link = f"/discussions/{mine['id']}/export.html"
    staff = login_as(world.users["space_moderator"]).get(f"/discussions/{mine['id']}").text
    assert link in staff and "Експортувати мої дописи" not in staff
    member = login_as(world.users["member"])
    page = member.get(f"/discussions/{mine['id']}").text
    assert "Експортувати мої дописи" in page and link in page
    forum_page = member.get(f"/spaces/{forum}").text
    assert "Експортувати мої дописи" in forum_page and f"/spaces/{forum}/export.csv" in forum_page
    report = login_as(world.users["moderator"]).get(f"/spaces/{forum}/participation").text
    assert f"/spaces/{forum}/export.csv" in report
