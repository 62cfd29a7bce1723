"""/api/v1/me/devices: where a person is signed in, each sign-in ended on its own."""

from tests.conftest import PASSWORD, bearer

LAPTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Version/18.1 Mobile Safari/604.1"


def _sign_in(app, user, agent: str = LAPTOP):
    client = app.test_client()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, headers={"User-Agent": agent}
    )
    assert response.status_code == 302
    return client


def test_devices_are_listed_with_the_current_one_marked(app, make_user):
    user = make_user()
    laptop, _phone = _sign_in(app, user), _sign_in(app, user, PHONE)
    response = laptop.get("/api/v1/me/devices")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [d["device"] for d in items] == ["Safari, iOS", "Firefox, Linux"]
    assert [d["current"] for d in items] == [False, True]
    assert set(items[0]) == {"id", "device", "remember", "created_at", "last_used_at", "current"}
    # with a token, no sign-in is the current one
    tokened = app.test_client().get("/api/v1/me/devices", headers=bearer(app, user))
    assert [d["current"] for d in tokened.get_json()["items"]] == [False, False]


def test_a_device_is_signed_out_through_the_api(app, make_user):
    user = make_user()
    laptop, phone = _sign_in(app, user), _sign_in(app, user, PHONE)
    headers = bearer(app, user)
    [phone_item] = [
        d for d in laptop.get("/api/v1/me/devices").get_json()["items"] if not d["current"]
    ]
    ended = app.test_client().delete(f"/api/v1/me/devices/{phone_item['id']}", headers=headers)
    assert ended.status_code == 204
    assert phone.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 200
    again = app.test_client().delete(f"/api/v1/me/devices/{phone_item['id']}", headers=headers)
    assert again.status_code == 404


def test_someone_elses_device_is_not_found(app, make_user):
    owner, other = make_user(), make_user()
    owners = _sign_in(app, owner)
    [item] = owners.get("/api/v1/me/devices").get_json()["items"]
    refused = app.test_client().delete(
        f"/api/v1/me/devices/{item['id']}", headers=bearer(app, other)
    )
    assert refused.status_code == 404
    assert refused.get_json()["error"]["status"] == 404
    assert owners.get("/api/v1/me").status_code == 200


def test_guests_get_401(client):
    assert client.get("/api/v1/me/devices").status_code == 401
    assert client.delete("/api/v1/me/devices/1").status_code == 401
