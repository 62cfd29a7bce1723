"""Every bad request gets a 4xx in one JSON shape, with a human message and per-field errors."""

import pytest

from cop.accounts.models import Role
from tests.conftest import bearer


@pytest.fixture
def admin_headers(app, make_user):
    return bearer(app, make_user(Role.ADMIN, locale="en"))


def _error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "message", "fields"}
    assert body["error"]["status"] == status
    assert body["error"]["message"]
    return body["error"]


def test_unauthenticated(client):
    error = _error(client.get("/api/v1/me"), 401)
    assert error["fields"] == {}


def test_bad_token_is_refused_not_treated_as_guest(client):
    _error(client.get("/api/v1/spaces", headers={"Authorization": "Bearer cop_nope"}), 401)


def test_forbidden(app, client, make_user):
    headers = bearer(app, make_user(Role.MEMBER))
    _error(
        client.post("/api/v1/spaces", json={"kind": "forum", "title": "Х"}, headers=headers), 403
    )
    _error(client.get("/api/v1/users", headers=headers), 403)


def test_unknown_id(client, admin_headers):
    for path in (
        "/api/v1/spaces/999",
        "/api/v1/users/999",
        "/api/v1/communities/999",
        "/api/v1/associations/999",
        "/api/v1/expert-groups/999",
    ):
        _error(client.get(path, headers=admin_headers), 404)
    _error(client.patch("/api/v1/spaces/999", json={"title": "x"}, headers=admin_headers), 404)


def test_unknown_route_and_method(client, admin_headers):
    _error(client.get("/api/v1/nothing-here", headers=admin_headers), 404)
    _error(client.delete("/api/v1/spaces", headers=admin_headers), 405)


def test_wrong_json_type(client, admin_headers):
    error = _error(
        client.post("/api/v1/spaces", json={"kind": "forum", "title": 5}, headers=admin_headers),
        422,
    )
    assert error["fields"] == {"title": "Expected text."}
    error = _error(
        client.post(
            "/api/v1/spaces",
            json={"kind": "forum", "title": "x", "platform_id": "1"},
            headers=admin_headers,
        ),
        422,
    )
    assert set(error["fields"]) == {"platform_id"}


def test_missing_field(client, admin_headers):
    error = _error(
        client.post("/api/v1/spaces", json={"title": "Форум"}, headers=admin_headers), 422
    )
    assert error["fields"] == {"kind": "This field is required."}


def test_too_long_field(client, admin_headers):
    error = _error(
        client.post(
            "/api/v1/spaces", json={"kind": "forum", "title": "я" * 201}, headers=admin_headers
        ),
        422,
    )
    assert error["fields"] == {"title": "At most 200 characters."}


def test_unknown_field_and_bad_enum(client, admin_headers):
    error = _error(
        client.post(
            "/api/v1/spaces",
            json={"kind": "forum", "title": "x", "colour": "red"},
            headers=admin_headers,
        ),
        422,
    )
    assert set(error["fields"]) == {"colour"}
    error = _error(
        client.post("/api/v1/spaces", json={"kind": "chat", "title": "x"}, headers=admin_headers),
        422,
    )
    assert "forum" in error["fields"]["kind"]


def test_malformed_json(client, admin_headers):
    error = _error(
        client.post(
            "/api/v1/spaces",
            data='{"kind": ',
            headers=admin_headers,
            content_type="application/json",
        ),
        400,
    )
    assert "JSON" in error["message"]
    _error(
        client.post(
            "/api/v1/spaces", data="[1, 2]", headers=admin_headers, content_type="application/json"
        ),
        400,
    )
    _error(
        client.post(
            "/api/v1/spaces", data="", headers=admin_headers, content_type="application/json"
        ),
        400,
    )


def test_conflict(client, admin_headers):
    body = {"email": "someone@example.org", "display_name": "Хтось", "role": "member"}
    assert client.post("/api/v1/users", json=body, headers=admin_headers).status_code == 201
    error = _error(client.post("/api/v1/users", json=body, headers=admin_headers), 409)
    assert set(error["fields"]) == {"email"}


def test_bad_query_parameter(client, admin_headers):
    error = _error(client.get("/api/v1/spaces?per_page=1000", headers=admin_headers), 422)
    assert error["fields"] == {"per_page": "Must be at most 100."}
    error = _error(client.get("/api/v1/spaces?page=abc", headers=admin_headers), 422)
    assert error["fields"] == {"page": "Expected a whole number."}


def test_too_large_body(app, client, admin_headers):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    _error(
        client.post(
            "/api/v1/spaces", json={"kind": "forum", "title": "x" * 2000}, headers=admin_headers
        ),
        413,
    )


def test_no_half_written_record_on_invalid_input(app, client, admin_headers):
    body = {"kind": "expert_room", "title": "Кімната без групи"}
    error = _error(client.post("/api/v1/spaces", json=body, headers=admin_headers), 422)
    assert set(error["fields"]) == {"expert_group_id"}
    listed = client.get("/api/v1/spaces", headers=admin_headers).get_json()
    assert listed["total"] == 0


def test_messages_follow_the_users_language(app, client, make_user):
    headers = bearer(app, make_user(Role.ADMIN, locale="uk"))
    error = _error(client.post("/api/v1/spaces", json={"title": "Форум"}, headers=headers), 422)
    assert error["fields"]["kind"] != "This field is required."
    assert any("а" <= ch <= "я" for ch in error["fields"]["kind"])


def test_a_refused_community_leaves_nothing_behind(client, admin_headers):
    body = {
        "name": "Нова громада",
        "kind": "town",
        "oblast": "Полтавська",
        "committee_user_ids": [424242],
    }
    error = _error(client.post("/api/v1/communities", json=body, headers=admin_headers), 422)
    assert set(error["fields"]) == {"committee_user_ids"}
    listed = client.get("/api/v1/communities", headers=admin_headers).get_json()["items"]
    assert "Нова громада" not in {c["name"] for c in listed}
