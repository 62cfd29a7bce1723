"""`cop demo` creates the accounts the README documents; each sees only its own spaces."""

import pytest

from tests.conftest import login

EVERYONE = {
    "Загальний форум",
    "Обмін досвідом громад",
    "Стратегічне планування розвитку громади",
    "Запитання та відповіді наживо",
    "База знань: консультації",
}
ROOMS = {
    "Експертна кімната: Великі Гаї",
    "Експертна кімната: Нова Борова",
    "Експертна кімната: Новоукраїнка",
}
DESKS = {
    "Консультації: Великогаївська сільська громада",
    "Консультації: Новоборівська селищна громада",
    "Консультації: Новоукраїнська міська громада",
}

EXPECTED = {
    "admin@example.org": EVERYONE | ROOMS | DESKS,
    "moderator@example.org": EVERYONE | ROOMS | DESKS,
    "expert@example.org": EVERYONE
    | {"Експертна кімната: Великі Гаї", "Консультації: Великогаївська сільська громада"},
    "trainee@example.org": EVERYONE
    | {"Експертна кімната: Великі Гаї", "Консультації: Великогаївська сільська громада"},
    "member@example.org": EVERYONE | {"Консультації: Великогаївська сільська громада"},
    "member2@example.org": EVERYONE | {"Консультації: Новоборівська селищна громада"},
}


def test_demo_loads_once(demo):
    again = demo.test_cli_runner().invoke(args=["demo"])
    assert again.exit_code == 0 and "already" in again.output


@pytest.mark.parametrize("email", list(EXPECTED))
def test_each_demo_account_sees_only_its_spaces(demo, email):
    client = demo.test_client()
    assert login(client, email, "demo").status_code == 302
    items = client.get("/api/v1/spaces?per_page=100").get_json()["items"]
    assert {s["title"] for s in items} == EXPECTED[email]
    page = client.get("/spaces").get_data(as_text=True)
    for title in ROOMS | DESKS:
        assert (title in page) == (title in EXPECTED[email]), title


def test_guest_sees_the_open_forum_only(demo):
    items = demo.test_client().get("/api/v1/spaces").get_json()["items"]
    assert {s["title"] for s in items} == {"Обмін досвідом громад", "База знань: консультації"}


def test_init_is_repeatable(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    assert runner.invoke(args=["init"]).exit_code == 0


def test_demo_forums_are_lively_and_rooms_stay_closed(demo):
    member = demo.test_client()
    login(member, "member@example.org", "demo")
    spaces = member.get("/api/v1/spaces?per_page=100").get_json()["items"]
    general = next(s for s in spaces if s["title"] == "Загальний форум")
    listed = member.get(f"/api/v1/spaces/{general['id']}/discussions?per_page=100").get_json()
    assert listed["total"] >= 20
    assert listed["items"][0]["pinned"]
    expert = demo.test_client()
    login(expert, "expert@example.org", "demo")
    rooms = [
        s
        for s in expert.get("/api/v1/spaces?per_page=100").get_json()["items"]
        if s["kind"] == "expert_room"
    ]
    room_discussions = expert.get(f"/api/v1/spaces/{rooms[0]['id']}/discussions").get_json()
    assert room_discussions["total"] >= 4
    first = room_discussions["items"][0]["id"]
    assert member.get(f"/api/v1/discussions/{first}").status_code == 404
    assert member.get(f"/discussions/{first}").status_code == 404


def test_demo_posts_carry_a_chart_and_a_table(demo):
    guest, member = demo.test_client(), demo.test_client()
    login(member, "member@example.org", "demo")
    found = {}
    for client in (member, guest):
        for space in client.get("/api/v1/spaces?per_page=100").get_json()["items"]:
            if space["kind"] != "forum":
                continue
            listed = client.get(f"/api/v1/spaces/{space['id']}/discussions?per_page=100")
            for d in listed.get_json()["items"]:
                posts = client.get(f"/api/v1/discussions/{d['id']}/posts").get_json()["items"]
                for item in posts[0]["attachments"]:
                    found[item["filename"]] = (client, item)
    assert set(found) == {
        "Чого бракує молоді — опитування.png",
        "Фінансова рамка Нової Борови.csv",
    }
    for client, item in found.values():
        response = client.get(item["url"], buffered=True)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(
            item["content_type"]
        )


def test_demo_consultations_in_every_state_each_community_its_own(demo):
    states = {"new", "assigned", "answered", "awaiting_committee", "resolved", "closed"}
    moderator = demo.test_client()
    login(moderator, "moderator@example.org", "demo")
    everything = moderator.get("/api/v1/consultations?per_page=100").get_json()["items"]
    by_community: dict[str, set] = {}
    for c in everything:
        by_community.setdefault(c["community"]["name"], set()).add(c["status"])
    assert set(by_community) == {d.removeprefix("Консультації: ") for d in DESKS}
    assert all(found == states for found in by_community.values()), by_community
    member2 = demo.test_client()
    login(member2, "member2@example.org", "demo")
    own = member2.get("/api/v1/consultations?per_page=100").get_json()["items"]
    assert {c["community"]["name"] for c in own} == {"Новоборівська селищна громада"}
    published = next(c for c in everything if c["published_discussion_id"])
    assert published["community"]["name"] == "Великогаївська сільська громада"
    assert member2.get(f"/api/v1/consultations/{published['id']}").status_code == 404
    copy = member2.get(f"/discussions/{published['published_discussion_id']}")
    assert copy.status_code == 200
    assert "Як узгодити стратегічний план громади з бюджетом?" in copy.get_data(as_text=True)


def test_demo_live_session_is_under_way_and_the_past_one_archived(demo):
    member, moderator = demo.test_client(), demo.test_client()
    login(member, "member@example.org", "demo")
    login(moderator, "moderator@example.org", "demo")
    sessions = member.get("/api/v1/live-sessions").get_json()["items"]
    assert [s["status"] for s in sessions] == ["live", "ended"]
    live, ended = sessions
    assert (
        ended["archive_id"] and member.get(f"/discussions/{ended['archive_id']}").status_code == 200
    )
    shown = member.get(f"/api/v1/live-sessions/{live['id']}").get_json()["questions"]
    assert [q["votes"] for q in shown] == [5, 3, 2, 1, 0]
    assert live["highlighted_id"] == shown[0]["id"]
    assert [q["answer"] is not None for q in shown] == [False, True, False, False, False]
    assert shown[2]["anonymous"] and shown[2]["author"] is None
    staff = moderator.get(f"/api/v1/live-sessions/{live['id']}").get_json()["questions"]
    assert len(staff) == len(shown) + 1


def test_demo_course_shows_each_committee_member_their_progress(demo):
    done = {}
    for email in ("member@example.org", "member2@example.org"):
        client = demo.test_client()
        login(client, email, "demo")
        (course,) = client.get("/api/v1/courses").get_json()["items"]
        done[email] = (course["modules_completed"], course["modules_published"])
    assert done == {"member@example.org": (3, 6), "member2@example.org": (1, 6)}
