"""Course modules: a learner finds what a published module teaches; a draft's words are
found by nobody, and unpublishing takes a module out of the results."""

from flask_login import AnonymousUserMixin

from cop import policy
from cop.courses.models import CourseModule
from cop.extensions import db
from tests.conftest import both_backends
from tests.courses.helpers import add_module, publish, published_module
from tests.search.helpers import person, search
from tests.search.test_permissions import EVERYONE, assert_readers

pytestmark = both_backends


def module_readers(app, world, module_id: int) -> set[str]:
    """Who the policy lets read the module."""
    with app.app_context():
        module = db.session.get(CourseModule, module_id)
        return {
            name
            for name in EVERYONE
            if policy.can(
                AnonymousUserMixin() if name == "guest" else person(world, name), "view", module
            )
        }


def test_a_published_module_is_found_by_its_learners_and_nobody_else(app, client, world, h):
    course = world.spaces["course"]
    module = published_module(
        client, h, course, title="Бюджет участі", body="Розбираємо громадоплан бюджету участі."
    )
    readers = module_readers(app, world, module["id"])
    assert "member" in readers and "guest" not in readers
    assert_readers(client, h, "громадоплан", readers)

    found = search(client, "громадоплан", h["member"])
    (item,) = found["items"]
    assert item["kind"] == "module"
    assert item["module_id"] == module["id"]
    assert item["url"].endswith(f"/modules/{module['id']}")
    assert "громадоплан</mark>" in item["snippet"]
    assert found["facets"]["kind"] == [{"value": "module", "label": "Модулі курсу", "count": 1}]


def test_a_draft_is_found_by_nobody_until_published_and_after_unpublishing(app, client, world, h):
    course = world.spaces["course"]
    draft = add_module(client, h["expert"], course, title="Чернетка", body="Слово зорепланер.")
    assert_readers(client, h, "зорепланер", set())

    publish(client, h["expert"], draft["id"])
    readers = module_readers(app, world, draft["id"])
    assert_readers(client, h, "зорепланер", readers)

    response = client.patch(
        f"/api/v1/modules/{draft['id']}", headers=h["expert"], json={"status": "draft"}
    )
    assert response.status_code == 200, response.get_json()
    assert_readers(client, h, "зорепланер", set())


def test_in_a_course_with_locked_modules_only_titles_are_found(app, client, world, h):
    course = world.spaces["course"]
    response = client.patch(
        f"/api/v1/courses/{course}", headers=h["expert"], json={"requires_previous": True}
    )
    assert response.status_code == 200, response.get_json()
    module = published_module(
        client, h, course, title="Модуль сонцеграф", body="Тіло з місяцеграфом."
    )
    readers = module_readers(app, world, module["id"])
    assert_readers(client, h, "сонцеграф", readers)
    assert_readers(client, h, "місяцеграф", set())
