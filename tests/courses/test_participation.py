"""Completion by forum participation (Moodle's completiondiscussions, completionreplies,
completionposts): a module is done once the learner has written N of them in its forum,
and the completion comes when they post."""

from cop.courses.models import ModuleCompletion
from cop.extensions import db
from tests.courses.helpers import published_module

API = "/api/v1"


def start(client, headers, forum_id, title="Наш план"):
    response = client.post(
        f"{API}/spaces/{forum_id}/discussions",
        headers=headers,
        json={"title": title, "body": "Текст"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def reply(client, headers, discussion_id, body="Згоден"):
    response = client.post(
        f"{API}/discussions/{discussion_id}/posts", headers=headers, json={"body": body}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def completed(client, headers, module_id) -> bool:
    return client.get(f"{API}/modules/{module_id}", headers=headers).get_json()["completed"]


def test_two_replies_complete_the_module_when_the_second_is_posted(app, client, world, h):
    module = published_module(
        client, h, world.spaces["course"], completion="replies", completion_count=2
    )
    assert module["completion"] == "replies" and module["completion_count"] == 2
    forum = module["forum_id"]
    topic = start(client, h["expert"], forum)
    start(client, h["member"], forum, "Моє питання")  # a discussion is not a reply
    reply(client, h["member"], topic)
    with app.app_context():
        assert db.session.get(ModuleCompletion, (module["id"], world.users["member"].id)) is None
    reply(client, h["member"], topic, "Ще одна думка")
    with app.app_context():  # recorded by the post itself, before anyone opens the module
        assert db.session.get(ModuleCompletion, (module["id"], world.users["member"].id))
    assert completed(client, h["member"], module["id"]) is True
    assert completed(client, h["outsider"], module["id"]) is False  # wrote nothing
    # it is not the learner's to mark or unmark
    assert (
        client.put(f"{API}/modules/{module['id']}/completion", headers=h["member"]).status_code
        == 409
    )


def test_discussions_and_posts_count_their_own_kind(client, world, h):
    course = world.spaces["course"]
    by_discussions = published_module(
        client, h, course, title="Обговорення", completion="discussions", completion_count=1
    )
    by_posts = published_module(
        client, h, course, title="Дописи", completion="posts", completion_count=2
    )
    topic = start(client, h["expert"], by_discussions["forum_id"])
    reply(client, h["member"], topic)
    assert completed(client, h["member"], by_discussions["id"]) is False  # a reply only
    start(client, h["member"], by_discussions["forum_id"], "Своє")
    assert completed(client, h["member"], by_discussions["id"]) is True
    own = start(client, h["member"], by_posts["forum_id"], "Перший")
    assert completed(client, h["member"], by_posts["id"]) is False
    reply(client, h["member"], own)
    assert completed(client, h["member"], by_posts["id"]) is True


def test_a_participation_rule_needs_its_count(client, world, h):
    course = world.spaces["course"]
    response = client.post(
        f"{API}/courses/{course}/modules",
        headers=h["expert"],
        json={"title": "Т", "body": "Б", "completion": "posts"},
    )
    assert response.status_code == 422
    assert "completion_count" in response.get_json()["error"]["fields"]
    too_many = client.post(
        f"{API}/courses/{course}/modules",
        headers=h["expert"],
        json={"title": "Т", "body": "Б", "completion": "posts", "completion_count": 101},
    )
    assert too_many.status_code == 422
    manual = published_module(client, h, course)
    changed = client.patch(
        f"{API}/modules/{manual['id']}",
        headers=h["expert"],
        json={"completion": "replies", "completion_count": 3},
    )
    assert changed.status_code == 200 and changed.get_json()["completion_count"] == 3
    back = client.patch(
        f"{API}/modules/{manual['id']}", headers=h["expert"], json={"completion": "manual"}
    )
    assert back.get_json()["completion_count"] is None


def test_the_module_page_tells_the_rule(client, world, h, login_as):
    module = published_module(
        client, h, world.spaces["course"], completion="replies", completion_count=2
    )
    page = login_as(world.users["member"]).get(f"/modules/{module['id']}").get_data(as_text=True)
    assert "Виконано після відповідей у форумі модуля: потрібно 2." in page
