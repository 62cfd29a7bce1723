"""The formatting cap (cop.text.MARKS_MAX) on every path that stores rendered text: a text
with too much markup is refused with a message that says what to shorten, on the API
(the JSON error shape), on the page and on the live socket, and nothing is written; a
long ordinary post is stored as it rendered before the cap."""

from sqlalchemy import func, select

from cop.consultations.models import Consultation
from cop.courses.models import CourseModule
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.live.models import LiveQuestion, LiveSession
from cop.text import MARKS_MAX
from tests.api.test_discussions_api import reply, start
from tests.api.test_input_boundary import error_of
from tests.sockets.conftest import NS, events, join
from tests.unit.test_text import _as_before, _prose_post

DENSE = "**так** " * (MARKS_MAX // 4 + 1)  # four marks a word: just over the cap
SAYS = "Too much formatting for one text"
SAYS_UK = "Забагато форматування в одному тексті"


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def refused(response, field: str = "body", cap: int = MARKS_MAX) -> None:
    message = error_of(response, 422)["fields"][field]
    assert message.startswith((SAYS, SAYS_UK)) and str(cap) in message


def test_discussions_refuse_it_on_the_api_and_the_page(app, client, world, h, login_as):
    forum = world.spaces["forum_signed"]
    d = start(client, h["member"], forum)
    first_post = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h["member"])
    post_id = first_post.get_json()["items"][0]["id"]
    discussions, posts = count(app, Discussion), count(app, Post)
    new = client.post(
        f"/api/v1/spaces/{forum}/discussions",
        headers=h["member"],
        json={"title": "Форматування", "body": DENSE},
    )
    refused(new)
    refused(reply(client, h["member"], d["id"], body=DENSE))
    refused(client.patch(f"/api/v1/posts/{post_id}", headers=h["member"], json={"body": DENSE}))
    member = login_as(world.users["member"])
    page = member.post(
        f"/spaces/{forum}/discussions/new", data={"title": "Форматування", "body": DENSE}
    )
    assert SAYS_UK in page.get_data(as_text=True)
    page = member.post(f"/posts/{post_id}/reply", data={"body": DENSE, "idempotency_key": "r"})
    assert SAYS_UK in page.get_data(as_text=True)
    assert (count(app, Discussion), count(app, Post)) == (discussions, posts)
    again = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h["member"]).get_json()
    assert again["items"][0]["body"] == "Поради, будь ласка."


def test_consultation_questions_and_course_modules_refuse_it(app, client, world, h, login_as):
    refused(
        client.post(
            "/api/v1/consultations",
            headers=h["member"],
            json={"title": "Як скласти SWOT?", "body": DENSE},
        )
    )
    page = login_as(world.users["member"]).post(
        "/consultations/new",
        data={"title": "Як скласти SWOT?", "body": DENSE, "idempotency_key": "swot"},
    )
    assert SAYS_UK in page.get_data(as_text=True)
    course = world.spaces["course"]
    module = client.post(
        f"/api/v1/courses/{course}/modules",
        headers=h["expert"],
        json={"title": "SWOT-аналіз", "body": DENSE},
    )
    refused(module)
    page = login_as(world.users["expert"]).post(
        f"/courses/{course}/modules/new",
        data={"title": "SWOT", "body": DENSE, "completion": "view", "forum_type": "standard"},
    )
    assert SAYS_UK in page.get_data(as_text=True)
    assert count(app, Consultation) == 0 and count(app, CourseModule) == 0


def test_live_descriptions_questions_and_answers_refuse_it(
    app, client, world, h, connect, session_factory
):
    live = session_factory(max_question_length=1000)
    with app.app_context():
        db.session.get(LiveSession, live).status = "live"
        db.session.commit()
    sessions = count(app, LiveSession)
    scheduled = client.post(
        "/api/v1/live-sessions",
        headers=h["expert"],
        json={
            "space_id": world.spaces["forum_signed"],
            "title": "Місцеві бюджети",
            "scheduled_at": "2026-12-01T10:00:00+02:00",
            "description": "**a** " * (MARKS_MAX // 8 + 1),  # over half the cap
        },
    )
    refused(scheduled, "description", MARKS_MAX // 2)
    assert count(app, LiveSession) == sessions
    member, host = connect("member"), connect("expert")
    join(member, live)
    over_a_fifth = "**a** " * (MARKS_MAX // 20 + 1)
    member.emit("ask", {"session_id": live, "text": over_a_fifth}, namespace=NS)
    [error] = events(member, "error")
    assert error["code"] == "invalid" and error["message"].startswith(SAYS_UK)
    assert count(app, LiveQuestion) == 0
    member.emit("ask", {"session_id": live, "text": "Хто звітує?"}, namespace=NS)
    [question] = join(member, live)["questions"]
    over_half = "**a** " * (MARKS_MAX // 8 + 1)
    host.emit("answer", {"question_id": question["id"], "text": over_half}, namespace=NS)
    [error] = events(host, "error")
    assert error["code"] == "invalid" and error["message"].startswith(SAYS_UK)
    with app.app_context():
        assert db.session.get(LiveQuestion, question["id"]).answer is None


def test_a_long_ordinary_post_is_stored_as_it_rendered_before(client, world, h):
    source = _prose_post()
    d = start(client, h["member"], world.spaces["forum_signed"], body=source)
    posts = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h["member"]).get_json()
    assert posts["items"][0]["body"] == source
    assert posts["items"][0]["body_html"] == _as_before(source)
