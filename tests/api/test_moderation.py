import pytest

from cop.accounts.models import Role


@pytest.fixture
def thread(client, world, h):
    forum = world.spaces["forum_signed"]
    d = client.post(
        f"/api/v1/spaces/{forum}/discussions",
        headers=h["member"],
        json={"title": "Тема", "body": "Питання"},
    ).get_json()
    rude = client.post(
        f"/api/v1/discussions/{d['id']}/posts",
        headers=h["outsider"],
        json={"body": "Грубість Омега"},
    ).get_json()
    return d, rude


def test_report_hide_and_restore_with_an_audit_trail(client, world, h, thread):
    d, rude = thread
    url = f"/api/v1/posts/{rude['id']}"
    report = client.post(f"{url}/reports", headers=h["member"], json={"reason": "Образи"})
    assert report.status_code == 201
    again = client.post(f"{url}/reports", headers=h["member"], json={"reason": "Ще раз"})
    assert again.get_json()["id"] == report.get_json()["id"]
    assert (
        client.post(
            f"{url}/reports", headers=h["outsider"], json={"reason": "Сам на себе"}
        ).status_code
        == 403
    )
    queue = client.get("/api/v1/moderation/reports", headers=h["moderator"]).get_json()["items"]
    assert [r["post_id"] for r in queue] == [rude["id"]]
    assert client.get("/api/v1/moderation/reports", headers=h["member"]).get_json()["items"] == []
    assert client.put(f"{url}/hidden", headers=h["member"]).status_code == 403
    hidden = client.put(f"{url}/hidden", headers=h["moderator"])
    assert hidden.status_code == 200 and hidden.get_json()["hidden"]
    seen = client.get(url, headers=h["member"]).get_json()
    assert seen["hidden"] and seen["body"] == "" and seen["body_html"] == ""
    assert client.get(url, headers=h["outsider"]).get_json()["body"] == "Грубість Омега"
    posts = client.get(f"/api/v1/discussions/{d['id']}/posts", headers=h["trainee"]).get_json()
    assert "Омега" not in str(posts)
    queue = client.get("/api/v1/moderation/reports", headers=h["moderator"]).get_json()
    assert queue["items"] == []
    assert client.delete(f"{url}/hidden", headers=h["moderator"]).get_json()["hidden"] is False
    assert client.get(url, headers=h["member"]).get_json()["body"] == "Грубість Омега"
    audit = client.get("/api/v1/moderation/audit", headers=h["moderator"]).get_json()["items"]
    assert [e["action"] for e in audit] == ["post.restored", "post.hidden"]
    assert client.get("/api/v1/moderation/audit", headers=h["member"]).status_code == 403


def test_moderator_edits_deletes_pins_and_moves_are_audited(client, world, h, thread):
    d, rude = thread
    client.patch(f"/api/v1/posts/{rude['id']}", headers=h["moderator"], json={"body": "[прибрано]"})
    client.patch(f"/api/v1/discussions/{d['id']}", headers=h["moderator"], json={"pinned": True})
    moved = client.post(
        f"/api/v1/discussions/{d['id']}/move",
        headers=h["moderator"],
        json={"space_id": world.spaces["forum_public"]},
    )
    assert moved.status_code == 200 and moved.get_json()["space_id"] == world.spaces["forum_public"]
    client.delete(f"/api/v1/posts/{rude['id']}", headers=h["moderator"])
    audit = client.get("/api/v1/moderation/audit", headers=h["admin"]).get_json()["items"]
    assert [e["action"] for e in audit] == [
        "post.deleted",
        "discussion.moved",
        "discussion.pinned",
        "post.edited",
    ]
    assert audit[1]["detail"] == {"from_space": world.spaces["forum_signed"]}


def test_moving_needs_moderation_rights_on_both_sides(client, world, h, thread):
    d, _rude = thread
    assert (
        client.post(
            f"/api/v1/discussions/{d['id']}/move",
            headers=h["space_moderator"],
            json={"space_id": world.spaces["forum_public"]},
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/discussions/{d['id']}/move",
            headers=h["moderator"],
            json={"space_id": world.spaces["course"]},
        ).status_code
        == 422
    )


def test_reports_in_an_expert_room_stay_inside(client, world, h):
    room = world.spaces["expert_room"]
    d = client.post(
        f"/api/v1/spaces/{room}/discussions",
        headers=h["expert"],
        json={"title": "Кімнатна тема", "body": "Текст"},
    ).get_json()
    post = client.post(
        f"/api/v1/discussions/{d['id']}/posts",
        headers=h["trainee"],
        json={"body": "Сумнівне Сігма"},
    ).get_json()
    assert (
        client.post(
            f"/api/v1/posts/{post['id']}/reports", headers=h["member"], json={"reason": "x"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/posts/{post['id']}/reports", headers=h["expert"], json={"reason": "Перевірте"}
        ).status_code
        == 201
    )
    for name in ("space_moderator", "other_expert"):
        queue = client.get("/api/v1/moderation/reports", headers=h[name]).get_json()["items"]
        assert queue == []
    queue = client.get("/api/v1/moderation/reports", headers=h["moderator"]).get_json()
    assert len(queue["items"]) == 1


def test_moderation_pages(world, login_as, client, h, thread):
    _d, rude = thread
    member = login_as(world.users["member"])
    assert member.post(f"/posts/{rude['id']}/report", data={"reason": "Образи"}).status_code == 302
    moderator = login_as(world.users["moderator"])
    page = moderator.get("/moderation").get_data(as_text=True)
    assert "Образи" in page and "Грубість Омега" in page
    assert moderator.post(f"/posts/{rude['id']}/hide", data={"back": "queue"}).status_code == 302
    assert "Грубість Омега" not in member.get(f"/discussions/{_d['id']}").get_data(as_text=True)
    log = moderator.get("/moderation/audit").get_data(as_text=True)
    assert "Приховано допис в обговоренні" in log and "post.hidden" not in log
    assert member.get("/moderation/audit").status_code == 403
    assert "Грубість Омега" not in member.get("/moderation").get_data(as_text=True)


def test_the_moderation_log_reads_as_sentences_with_links(world, login_as, client, h, thread):
    d, rude = thread
    client.put(f"/api/v1/posts/{rude['id']}/hidden", headers=h["moderator"])
    client.patch(f"/api/v1/discussions/{d['id']}", headers=h["moderator"], json={"locked": True})
    page = login_as(world.users["admin"]).get("/moderation/audit").get_data(as_text=True)
    assert f'<a href="/discussions/{d["id"]}">«Тема»</a>' in page
    assert "Обговорення" in page and "закрито для відповідей" in page
    assert f'<a href="/posts/{rude["id"]}">«Тема»</a>' in page
    for raw in ("discussion.locked", "post.hidden", f"post #{rude['id']}", "discussion #"):
        assert raw not in page


def test_the_moderation_log_speaks_the_readers_language(world, login_as, make_user, client, h):
    forum = world.spaces["forum_signed"]
    d = client.post(
        f"/api/v1/spaces/{forum}/discussions",
        headers=h["member"],
        json={"title": "Бюджет участі", "body": "Питання"},
    ).get_json()
    client.patch(f"/api/v1/discussions/{d['id']}", headers=h["moderator"], json={"pinned": True})
    reader = login_as(make_user(Role.ADMIN, locale="en"))
    page = reader.get("/moderation/audit").get_data(as_text=True)
    assert f'Discussion <a href="/discussions/{d["id"]}">“Бюджет участі”</a> pinned' in page
    assert "discussion.pinned" not in page
