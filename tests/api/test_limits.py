"""Limits against abuse on the API: a 429 in the JSON error shape with Retry-After, and a
422 for a search too broad to run."""

import pytest


@pytest.fixture
def app_config():
    return {
        "COP_LOGIN_ACCOUNT_LIMIT": "3 per 15 minutes",
        "COP_SEARCH_LIMIT": "2 per minute",
        "COP_POST_LIMIT": "2 per minute",
    }


def _refused(response) -> dict:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    error = response.get_json()["error"]
    assert error["status"] == 429
    return error


def test_token_requests_for_one_account_from_many_addresses_are_locked(app, make_user):
    user = make_user()
    body = {"email": user.email, "password": "wrong"}
    for n in range(3):
        response = app.test_client().post(
            "/api/v1/auth/token", json=body, environ_base={"REMOTE_ADDR": f"10.1.0.{n}"}
        )
        assert response.status_code == 401
    right = {"email": user.email, "password": "correct horse battery"}
    locked = app.test_client().post(
        "/api/v1/auth/token", json=right, environ_base={"REMOTE_ADDR": "10.1.0.9"}
    )
    assert "Забагато неправильних паролів" in _refused(locked)["message"]


def test_searches_are_limited_per_person_and_per_guest_address(app, client, world, h):
    url = "/api/v1/search?q=громада"
    assert [client.get(url, headers=h["member"]).status_code for _ in range(2)] == [200, 200]
    assert "Забагато" in _refused(client.get(url, headers=h["member"]))["message"]
    assert client.get(url, headers=h["expert"]).status_code == 200
    guest = [client.get(url, environ_base={"REMOTE_ADDR": "10.1.1.1"}) for _ in range(3)]
    assert [r.status_code for r in guest[:2]] == [200, 200]
    _refused(guest[2])


def test_posting_is_limited_per_person(app, client, world, h):
    forum = world.spaces["forum_signed"]
    started = client.post(
        f"/api/v1/spaces/{forum}/discussions",
        headers=h["member"],
        json={"title": "Тема", "body": "Питання"},
    )
    assert started.status_code == 201
    posts = f"/api/v1/discussions/{started.get_json()['id']}/posts"
    assert client.post(posts, headers=h["member"], json={"body": "1"}).status_code == 201
    _refused(client.post(posts, headers=h["member"], json={"body": "2"}))
    _refused(
        client.post(
            f"/api/v1/spaces/{forum}/discussions",
            headers=h["member"],
            json={"title": "Ще тема", "body": "Ще"},
        )
    )
    assert client.post(posts, headers=h["expert"], json={"body": "3"}).status_code == 201
    listed = client.get(posts, headers=h["member"]).get_json()["items"]
    assert [p["body"] for p in listed] == ["Питання", "1", "3"]  # nothing half-written


def test_a_too_broad_search_is_a_422(app, client, world, h):
    app.config.update(COP_POST_LIMIT="100 per minute", COP_SEARCH_MAX_POSTINGS=2)
    forum = world.spaces["forum_signed"]
    for title in ("Бюджет громади", "Бюджет школи", "Бюджет участі"):
        client.post(
            f"/api/v1/spaces/{forum}/discussions",
            headers=h["member"],
            json={"title": title, "body": "Текст"},
        )
    broad = client.get("/api/v1/search?q=бюдж*", headers=h["member"])
    assert broad.status_code == 422
    assert "Пошук надто широкий" in broad.get_json()["error"]["fields"]["q"]
    narrow = client.get("/api/v1/search?q=школи", headers=h["member"]).get_json()
    assert [hit["title"] for hit in narrow["items"]] == ["Бюджет школи"]


def test_consultation_questions_and_replies_count_against_posting(app, client, world, h):
    api = "/api/v1/consultations"
    opened = client.post(api, headers=h["member"], json={"title": "Питання", "body": "Як?"})
    assert opened.status_code == 201
    posts = f"{api}/{opened.get_json()['id']}/posts"
    assert client.post(posts, headers=h["member"], json={"body": "Уточнення"}).status_code == 201
    _refused(client.post(posts, headers=h["member"], json={"body": "Ще"}))
    _refused(client.post(api, headers=h["member"], json={"title": "Друге", "body": "Ще?"}))
    notes = f"{api}/{opened.get_json()['id']}/notes"
    assert client.post(notes, headers=h["expert"], json={"body": "Нотатка"}).status_code == 201
    assert client.post(notes, headers=h["expert"], json={"body": "Друга"}).status_code == 201
    _refused(client.post(notes, headers=h["expert"], json={"body": "Третя"}))
