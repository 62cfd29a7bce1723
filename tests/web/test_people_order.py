NAMES = ["Ірина Шевченко", "Андрій Яковенко", "Євген Бондар", "Ганна Ґудзь", "Ігор Іваненко"]
ORDER = ["Євген Бондар", "Ганна Ґудзь", "Ігор Іваненко", "Ірина Шевченко", "Андрій Яковенко"]


def _order(page: str) -> list[str]:
    return [name for _pos, name in sorted((page.index(n), n) for n in NAMES)]


def test_people_lists_follow_ukrainian_order_by_surname(world, login_as, make_user):
    admin = login_as(world.users["admin"])
    space = world.spaces["forum_members"]
    for name in NAMES:
        person = make_user(display_name=name)
        added = admin.post(
            f"/admin/spaces/{space}/members",
            data={"m-user_id": str(person.id), "m-role": "member"},
        )
        assert added.status_code == 302
    users_page = admin.get("/admin/users").get_data(as_text=True)
    assert _order(users_page) == ORDER
    assert _order(admin.get(f"/admin/spaces/{space}").get_data(as_text=True)) == ORDER
    assert _order(admin.get(f"/spaces/{space}").get_data(as_text=True)) == ORDER
