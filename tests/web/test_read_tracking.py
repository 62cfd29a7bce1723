"""Read tracking per forum, as Moodle's: optional (each person's preference decides),
forced (for everyone) or off; unread counts, markers and 'mark read' follow it."""

import pytest

from tests.conftest import login


def start(client, headers, space_id, title="Тема", body="Текст"):
    response = client.post(
        f"/api/v1/spaces/{space_id}/discussions",
        headers=headers,
        json={"title": title, "body": body},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def unread(client, headers, space_id) -> int:
    response = client.get(f"/api/v1/spaces/{space_id}/discussions", headers=headers)
    return sum(d["unread_count"] for d in response.get_json()["items"])


def configure(client, h, space_id, mode):
    response = client.patch(
        f"/api/v1/spaces/{space_id}/forum", headers=h["admin"], json={"read_tracking": mode}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["read_tracking"] == mode


def prefer(client, h, who, track):
    response = client.patch("/api/v1/me", headers=h[who], json={"track_reads": track})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["track_reads"] is track


@pytest.mark.parametrize(
    ("mode", "track", "counted"),
    [
        ("optional", True, True),
        ("optional", False, False),
        ("forced", False, True),
        ("forced", True, True),
        ("off", True, False),
    ],
)
def test_unread_counts_follow_the_forum_and_the_preference(client, world, h, mode, track, counted):
    forum = world.spaces["forum_signed"]
    configure(client, h, forum, mode)
    prefer(client, h, "member", track)
    start(client, h["outsider"], forum)
    assert unread(client, h["member"], forum) == (1 if counted else 0)
    spaces = client.get("/api/v1/spaces", headers=h["member"]).get_json()["items"]
    [row] = [s for s in spaces if s["id"] == forum]
    assert row["unread_count"] == (1 if counted else 0)


def test_a_forum_without_settings_follows_the_preference(client, world, h):
    forum = world.spaces["forum_public"]
    start(client, h["outsider"], forum)
    assert unread(client, h["member"], forum) == 1
    prefer(client, h, "member", False)
    assert unread(client, h["member"], forum) == 0


def test_the_pages_show_marks_and_the_button_only_where_reads_are_tracked(app, client, world, h):
    forum = world.spaces["forum_signed"]
    api = app.test_client()  # bearer tokens only: a signed-in cookie would win
    d = start(api, h["outsider"], forum)
    login(client, world.users["member"])
    page = client.get(f"/spaces/{forum}").get_data(as_text=True)
    assert "Позначити все прочитаним" in page
    configure(api, h, forum, "off")
    page = client.get(f"/spaces/{forum}").get_data(as_text=True)
    assert "Позначити все прочитаним" not in page
    assert 'class="badge">нове' not in client.get(f"/discussions/{d}").get_data(as_text=True)


def test_the_profile_form_sets_the_preference(app, client, world, h):
    member = world.users["member"]
    login(client, member)
    assert "track_reads" in client.get("/profile").get_data(as_text=True)
    client.post(
        "/profile",
        data={
            "form": "profile",
            "profile-display_name": "member",
            "profile-locale": "uk",
            "profile-email_mode": "immediate",
        },
    )
    me = app.test_client().get("/api/v1/me", headers=h["member"]).get_json()
    assert me["track_reads"] is False


def test_only_managers_change_read_tracking_and_it_is_audited(client, world, h):
    forum = world.spaces["forum_signed"]
    refused = client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["member"], json={"read_tracking": "off"}
    )
    assert refused.status_code == 403
    bad = client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["admin"], json={"read_tracking": "never"}
    )
    assert bad.status_code == 422
    configure(client, h, forum, "forced")
    entries = client.get("/api/v1/moderation/audit", headers=h["admin"]).get_json()["items"]
    assert entries[0]["detail"]["read_tracking"] == "forced"
