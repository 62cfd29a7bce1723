"""Tags on the pages: the new-discussion and edit forms, the lists and the filter."""

import re

from cop.extensions import db
from tests.conftest import QueryCounter


def new_discussion(client, space_id, title, tags):
    response = client.post(
        f"/spaces/{space_id}/discussions/new",
        data={"title": title, "body": "Текст", "tags": tags},
    )
    assert response.status_code == 302, response.text
    return int(re.search(r"/discussions/(\d+)", response.headers["Location"]).group(1))


def test_tags_from_the_form_show_on_the_lists_and_filter_them(world, login_as):
    forum = world.spaces["forum_signed"]
    member = login_as(world.users["member"])
    tagged = new_discussion(member, forum, "Бюджет участі", "Бюджет, молодь")
    new_discussion(member, forum, "Про дороги", "")
    page = member.get(f"/spaces/{forum}").text
    assert f'href="/spaces/{forum}?tag=%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82"' in page
    filtered = member.get(f"/spaces/{forum}", query_string={"tag": "бюджет"}).text
    assert "Бюджет участі" in filtered and "Про дороги" not in filtered
    assert "«бюджет»" in filtered
    shown = member.get(f"/discussions/{tagged}").text
    assert ">молодь</a>" in shown


def test_bad_tags_show_on_the_form_and_nothing_is_started(world, login_as):
    forum = world.spaces["forum_signed"]
    member = login_as(world.users["member"])
    response = member.post(
        f"/spaces/{forum}/discussions/new",
        data={"title": "Тема", "body": "Текст", "tags": ", ".join(f"т{n}" for n in range(11))},
    )
    assert response.status_code == 200  # the form again, with the tags' error beside them
    assert "10" in response.text and 'value="т0, т1' in response.text
    assert "Тема" not in member.get(f"/spaces/{forum}").text.split("</h1>", 1)[-1]


def test_the_first_posts_edit_form_changes_the_tags_for_author_only(app, world, login_as):
    forum = world.spaces["forum_signed"]
    member = login_as(world.users["member"])
    d = new_discussion(member, forum, "Тема", "старе")
    first = int(re.search(r"/posts/(\d+)/edit", member.get(f"/discussions/{d}").text).group(1))
    form = member.get(f"/posts/{first}/edit").text
    assert 'name="tags"' in form and 'value="старе"' in form
    saved = member.post(
        f"/posts/{first}/edit", data={"title": "Тема", "body": "Текст", "tags": "нове, ще"}
    )
    assert saved.status_code == 302
    shown = member.get(f"/discussions/{d}").text
    assert ">нове</a>" in shown and ">старе</a>" not in shown
    # a moderator's edit form has it; a reply's has not
    moderator = login_as(world.users["moderator"])
    assert 'name="tags"' in moderator.get(f"/posts/{first}/edit").text


def test_the_list_costs_the_same_queries_with_more_tagged_discussions(app, world, login_as):
    forum = world.spaces["forum_signed"]
    member = login_as(world.users["member"])

    def counted() -> int:
        member.get(f"/spaces/{forum}")
        with app.app_context(), QueryCounter(db.engine) as queries:
            assert member.get(f"/spaces/{forum}").status_code == 200
        return len(queries)

    new_discussion(member, forum, "Перша", "а, б")
    small = counted()
    for n in range(6):
        new_discussion(member, forum, f"Тема {n}", f"т{n}, спільне")
    assert counted() == small
