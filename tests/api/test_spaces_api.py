from cop.accounts.models import Role
from tests.conftest import QueryCounter, bearer


def _titles(response):
    assert response.status_code == 200
    return {item["title"] for item in response.get_json()["items"]}


def test_guest_lists_only_public_spaces(client, world):
    assert _titles(client.get("/api/v1/spaces")) == {"Відкритий форум"}
    assert client.get("/api/v1/spaces").get_json()["total"] == 1


def test_expert_room_is_invisible_to_everyone_outside_it(app, client, world):
    room = world.spaces["expert_room"]
    for name in ("member", "outsider", "other_expert", "space_moderator"):
        headers = bearer(app, world.users[name])
        listing = client.get("/api/v1/spaces", headers=headers)
        assert "Кімната Zorya" not in _titles(listing)
        by_kind = client.get("/api/v1/spaces?kind=expert_room", headers=headers).get_json()
        assert by_kind == {"items": [], "total": 0, "page": 1, "per_page": 50}
        for method, path in (
            ("get", f"/api/v1/spaces/{room}"),
            ("patch", f"/api/v1/spaces/{room}"),
            ("get", f"/api/v1/spaces/{room}/members"),
            ("put", f"/api/v1/spaces/{room}/members/{world.users[name].id}"),
        ):
            response = getattr(client, method)(path, json={}, headers=headers)
            assert response.status_code == 404, (name, method, path)
            assert "Zorya" not in response.get_data(as_text=True)
    for name in ("expert", "trainee", "moderator", "admin"):
        headers = bearer(app, world.users[name])
        assert "Кімната Zorya" in _titles(client.get("/api/v1/spaces", headers=headers))
        assert client.get(f"/api/v1/spaces/{room}", headers=headers).status_code == 200


def test_a_missing_and_a_private_space_look_the_same(app, client, world):
    headers = bearer(app, world.users["outsider"])
    private = client.get(f"/api/v1/spaces/{world.spaces['expert_room']}", headers=headers)
    missing = client.get("/api/v1/spaces/99999", headers=headers)
    assert private.status_code == missing.status_code == 404
    assert private.get_json() == missing.get_json()


def test_staff_create_and_change_spaces(app, client, world):
    headers = bearer(app, world.users["moderator"])
    created = client.post(
        "/api/v1/spaces",
        headers=headers,
        json={
            "kind": "forum",
            "title": "Бюджетний форум",
            "visibility": "members",
            "platform_id": 7,
        },
    )
    assert created.status_code == 201
    space = created.get_json()
    assert space["platform_id"] == 7 and space["visibility"] == "members"
    patched = client.patch(
        f"/api/v1/spaces/{space['id']}",
        headers=headers,
        json={"title": "Місцеві бюджети", "platform_id": None},
    )
    assert patched.get_json()["title"] == "Місцеві бюджети"
    assert patched.get_json()["platform_id"] is None
    bad = client.patch(f"/api/v1/spaces/{space['id']}", headers=headers, json={"platform_id": 999})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"platform_id"}


def test_members_may_not_change_spaces(app, client, world):
    headers = bearer(app, world.users["space_moderator"])
    response = client.patch(
        f"/api/v1/spaces/{world.spaces['forum_signed']}",
        headers=headers,
        json={"title": "Інша назва"},
    )
    assert response.status_code == 403


def test_closed_kinds_cannot_be_opened(app, client, world):
    headers = bearer(app, world.users["admin"])
    room = world.spaces["expert_room"]
    response = client.patch(
        f"/api/v1/spaces/{room}", headers=headers, json={"visibility": "public"}
    )
    assert response.get_json()["visibility"] == "members"
    assert "Кімната Zorya" not in _titles(client.get("/api/v1/spaces"))


def test_memberships_open_a_members_only_forum(app, client, world):
    admin = bearer(app, world.users["admin"])
    outsider = world.users["outsider"]
    forum = world.spaces["forum_members"]
    outsider_headers = bearer(app, outsider)
    assert client.get(f"/api/v1/spaces/{forum}", headers=outsider_headers).status_code == 404
    put = client.put(
        f"/api/v1/spaces/{forum}/members/{outsider.id}", headers=admin, json={"role": "member"}
    )
    assert put.status_code == 200 and put.get_json()["user_id"] == outsider.id
    assert client.get(f"/api/v1/spaces/{forum}", headers=outsider_headers).status_code == 200
    members = client.get(f"/api/v1/spaces/{forum}/members", headers=admin).get_json()["items"]
    assert outsider.id in {m["user_id"] for m in members}
    assert (
        client.delete(f"/api/v1/spaces/{forum}/members/{outsider.id}", headers=admin).status_code
        == 204
    )
    assert client.get(f"/api/v1/spaces/{forum}", headers=outsider_headers).status_code == 404


def test_expert_room_takes_only_experts(app, client, world):
    admin = bearer(app, world.users["admin"])
    response = client.put(
        f"/api/v1/spaces/{world.spaces['expert_room']}/members/{world.users['member'].id}",
        headers=admin,
        json={"role": "member"},
    )
    assert response.status_code == 422


def test_list_query_count_does_not_grow(app, client, make_user, add_forums):
    headers = bearer(app, make_user(Role.MEMBER))

    def count_for(n):
        engine = add_forums(n)
        client.get("/api/v1/spaces?per_page=100", headers=headers)  # warm-up
        with QueryCounter(engine) as queries:
            assert client.get("/api/v1/spaces?per_page=100", headers=headers).status_code == 200
        return len(queries)

    assert count_for(5) == count_for(60)
