"""API tokens on the profile page: made with a name and the password, shown once, listed
with when they were made and last used, revoked by their owner only."""

import re

from tests.conftest import PASSWORD


def _create(client, name="Звіти", password=PASSWORD):
    return client.post("/profile/tokens", data={"token-name": name, "token-password": password})


def test_a_token_is_shown_once_listed_used_and_revoked(world, login_as, client):
    member = login_as(world.users["member"])
    profile = member.get("/profile").get_data(as_text=True)
    assert "Токени API" in profile and "Токенів API у вас немає." in profile
    created = _create(member)
    assert created.status_code == 200
    raw = re.search(r'id="new-token"[^>]*value="(cop_[^"]+)"', created.get_data(as_text=True))
    raw = raw.group(1)
    assert "лише цього разу" in created.get_data(as_text=True)
    listed = member.get("/profile").get_data(as_text=True)
    assert "<td>Звіти</td>" in listed and "ще ні" in listed and raw not in listed

    auth = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=auth).get_json()["email"] == "member1@example.org"
    assert "ще ні" not in member.get("/profile").get_data(as_text=True)

    token_id = re.search(r"/profile/tokens/(\d+)/revoke", listed).group(1)
    outsider = login_as(world.users["outsider"])
    assert outsider.post(f"/profile/tokens/{token_id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    revoked = member.post(f"/profile/tokens/{token_id}/revoke")
    assert revoked.status_code == 302 and revoked.headers["Location"].endswith("/profile#tokens")
    assert client.get("/api/v1/me", headers=auth).status_code == 401
    assert "<td>Звіти</td>" not in member.get("/profile").get_data(as_text=True)


def test_a_token_needs_the_password_and_a_name(world, login_as, client):
    member = login_as(world.users["member"])
    wrong = _create(member, password="not the password")
    assert wrong.status_code == 200
    assert "Пароль неправильний." in wrong.get_data(as_text=True)
    nameless = _create(member, name="  ")
    assert "Це поле обов’язкове." in nameless.get_data(as_text=True)
    for refused in (wrong, nameless):
        assert 'id="new-token"' not in refused.get_data(as_text=True)
    assert "Токенів API у вас немає." in member.get("/profile").get_data(as_text=True)
