import re

from cop.accounts.models import Role
from tests.conftest import QueryCounter, without_csrf


def test_expert_room_is_invisible_on_every_page(world, login_as):
    room = world.spaces["expert_room"]
    for name in ("member", "outsider", "other_expert", "space_moderator"):
        client = login_as(world.users[name])
        for path in ("/", "/spaces", "/spaces?kind=expert_room"):
            page = client.get(path).get_data(as_text=True)
            assert "Zorya" not in page, (name, path)
        counted = client.get("/spaces?kind=expert_room").get_data(as_text=True)
        assert "(0)" in counted
        for path in (f"/spaces/{room}", f"/admin/spaces/{room}"):
            response = client.get(path)
            assert response.status_code in (403, 404) and "Zorya" not in response.get_data(
                as_text=True
            )
        assert client.get(f"/spaces/{room}").status_code == 404
    expert = login_as(world.users["expert"])
    assert "Zorya" in expert.get("/").get_data(as_text=True)  # on the dashboard, as "mine"
    assert expert.get(f"/spaces/{room}").status_code == 200


def test_private_and_missing_spaces_answer_alike(world, login_as):
    client = login_as(world.users["outsider"])
    private = client.get(f"/spaces/{world.spaces['expert_room']}")
    missing = client.get("/spaces/987654")
    assert private.status_code == missing.status_code == 404
    room_path = f"/spaces/{world.spaces['expert_room']}"
    page = private.get_data(as_text=True).replace(room_path, "/spaces/987654")
    assert without_csrf(page) == without_csrf(missing.get_data(as_text=True))


def test_guests_see_public_spaces_only(client, world):
    page = client.get("/spaces").get_data(as_text=True)
    assert "Відкритий форум" in page
    for title in ("Загальний форум", "Форум для своїх", "Консультації А", "Курс Дельта"):
        assert title not in page
    assert client.get(f"/spaces/{world.spaces['forum_signed']}").status_code == 404
    assert client.get(f"/spaces/{world.spaces['forum_public']}").status_code == 200


def test_admin_area_is_for_staff(world, login_as, client):
    assert client.get("/admin/").status_code == 401
    assert login_as(world.users["expert"]).get("/admin/").status_code == 403
    assert login_as(world.users["moderator"]).get("/admin/").status_code == 200


def test_admin_pages_render(world, login_as):
    admin = login_as(world.users["admin"])
    paths = [
        "/admin/",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{world.users['member'].id}",
        "/admin/communities",
        "/admin/communities/new",
        "/admin/communities/1",
        "/admin/associations",
        "/admin/associations/new",
        "/admin/expert-groups",
        "/admin/expert-groups/new",
        "/admin/expert-groups/1",
        "/admin/spaces",
        "/admin/spaces/new",
        f"/admin/spaces/{world.spaces['expert_room']}",
    ]
    for path in paths:
        assert admin.get(path).status_code == 200, path


def test_admin_creates_a_space_and_adds_a_member(app, world, login_as):
    admin = login_as(world.users["admin"])
    response = admin.post(
        "/admin/spaces/new",
        data={
            "kind": "forum",
            "title": "Форум про бюджети",
            "description": "",
            "visibility": "members",
            "platform_id": "7",
            "expert_group_id": "",
            "community_id": "",
        },
    )
    assert response.status_code == 302
    outsider = login_as(world.users["outsider"])
    assert "Форум про бюджети" not in outsider.get("/spaces").get_data(as_text=True)
    listing = admin.get("/admin/spaces").get_data(as_text=True)
    space_id = re.search(r'/admin/spaces/(\d+)">Форум про бюджети', listing).group(1)
    added = admin.post(
        f"/admin/spaces/{space_id}/members",
        data={"m-user_id": str(world.users["outsider"].id), "m-role": "member"},
    )
    assert added.status_code == 302
    assert "Форум про бюджети" in outsider.get("/spaces").get_data(as_text=True)


def test_admin_form_shows_service_errors_on_fields(world, login_as):
    admin = login_as(world.users["admin"])
    response = admin.post(
        "/admin/spaces/new",
        data={
            "kind": "expert_room",
            "title": "Без групи",
            "description": "",
            "visibility": "members",
            "platform_id": "",
            "expert_group_id": "",
            "community_id": "",
        },
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_admin_invites_and_edits_a_committee(app, world, login_as):
    admin = login_as(world.users["admin"])
    invited = admin.post(
        "/admin/users/new",
        data={
            "email": "new.member@example.org",
            "display_name": "Новий член",
            "role": "member",
            "locale": "uk",
            "association_id": "",
        },
    )
    assert invited.status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "new.member@example.org" in page
    ids = [str(world.users["member"].id), str(world.users["outsider"].id)]
    saved = admin.post(
        "/admin/communities/1",
        data={
            "name": "Громада А",
            "kind": "village",
            "oblast": "Тернопільська",
            "committee_user_ids": ids,
        },
    )
    assert saved.status_code == 302
    outsider = login_as(world.users["outsider"])
    assert "Консультації А" in outsider.get("/spaces").get_data(as_text=True)


def test_moderator_cannot_open_an_admins_page(world, login_as):
    moderator = login_as(world.users["moderator"])
    assert moderator.get(f"/admin/users/{world.users['admin'].id}").status_code == 403
    form = moderator.get("/admin/users/new").get_data(as_text=True)
    assert 'value="admin"' not in form and 'value="member"' in form


def test_pages_are_ukrainian_by_default_with_an_english_switch(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="uk"' in page
    switched = client.post("/locale/en", data={"next": "/login"})
    assert switched.headers["Location"] == "/login"
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
    assert (
        client.post("/locale/en", data={"next": "https://evil.example"}).headers["Location"] == "/"
    )


def test_signed_in_locale_choice_is_saved(app, make_user, login_as):
    user = make_user()
    client = login_as(user)
    client.post("/locale/en", data={"next": "/"})
    assert 'lang="en"' in login_as(user).get("/").get_data(as_text=True)


def test_space_list_query_count_does_not_grow_with_spaces(make_user, login_as, add_forums):
    client = login_as(make_user(Role.MEMBER))

    def count(n):
        engine = add_forums(n)
        with QueryCounter(engine) as queries:
            for path in ("/", "/spaces"):
                assert client.get(path).status_code == 200
        return len(queries)

    assert count(3) == count(45)


def test_invitations_start_as_committee_member(world, login_as):
    form = login_as(world.users["admin"]).get("/admin/users/new").get_data(as_text=True)
    roles = re.findall(
        r'<option[^>]*value="(\w+)"', form.split('name="role"')[1].split("</select>")[0]
    )
    assert roles == ["member", "trainee", "expert", "moderator", "admin"]


def test_closed_spaces_offer_no_visibility_choice(world, login_as):
    admin = login_as(world.users["admin"])
    room = admin.get(f"/admin/spaces/{world.spaces['expert_room']}").get_data(as_text=True)
    assert 'name="visibility"' not in room
    assert "expert, trainee" in room  # the group's members are named as readers
    forum = admin.get(f"/admin/spaces/{world.spaces['forum_signed']}").get_data(as_text=True)
    assert 'name="visibility"' in forum


def test_guests_are_offered_to_sign_in_on_a_closed_door(client, world):
    page = client.get(f"/spaces/{world.spaces['forum_signed']}")
    assert page.status_code == 404
    assert f"/login?next=/spaces/{world.spaces['forum_signed']}" in page.get_data(as_text=True)


def test_dashboard_lists_each_space_once(world, login_as):
    page = login_as(world.users["expert"]).get("/").get_data(as_text=True)
    assert page.count("Кімната Zorya") == 1
