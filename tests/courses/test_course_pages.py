"""Course pages: the overview with my progress, a module with its resources, completion
and forum, writing and publishing, revisions, the committees' progress and its CSV, and
asking an expert about a module. Drafts stay out of every page but their author's and
the publishers'."""

import pytest

from cop.courses.models import CourseModule
from cop.extensions import db
from tests.conftest import QueryCounter
from tests.courses.helpers import add_module, published_module


@pytest.fixture
def people(world, login_as):
    return {name: login_as(user) for name, user in world.users.items()}


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_an_expert_writes_and_publishes_a_module_on_pages(people, world):
    course = world.spaces["course"]
    expert, member = people["expert"], people["member"]
    assert "Новий модуль" in page(expert, f"/courses/{course}")
    assert "Новий модуль" not in page(member, f"/courses/{course}")
    created = expert.post(
        f"/courses/{course}/modules/new",
        data={
            "title": "SWOT-аналіз",
            "body": "Сильні *сторони* громади",
            "minutes": "40",
            "completion": "manual",
            "forum_type": "qanda",
        },
    )
    assert created.status_code == 302
    module_url = created.headers["Location"]
    draft = page(expert, module_url)
    assert "<em>сторони</em>" in draft and "Опублікувати" in draft and "Чернетка" in draft
    assert member.get(module_url).status_code == 404
    assert "SWOT-аналіз" not in page(member, f"/courses/{course}")
    module_id = int(module_url.rsplit("/", 1)[1])
    assert expert.post(f"/modules/{module_id}/publish").status_code == 302
    seen = page(member, module_url)
    assert "Позначити як завершений" in seen and "Редагувати" not in seen
    assert "SWOT-аналіз" in page(member, f"/courses/{course}")


def test_a_trainee_drafts_and_cannot_publish(people, world):
    course = world.spaces["course"]
    response = people["trainee"].post(
        f"/courses/{course}/modules/new",
        data={"title": "Бачення", "body": "Текст", "completion": "view", "forum_type": "standard"},
    )
    url = response.headers["Location"]
    mine = page(people["trainee"], url)
    assert "Цю чернетку опублікує експерт." in mine
    module_id = int(url.rsplit("/", 1)[1])
    refused = people["trainee"].post(f"/modules/{module_id}/publish", follow_redirects=True)
    assert "У вас немає прав на цю дію." in refused.get_data(as_text=True)
    assert people["member"].get(url).status_code == 404  # still a draft
    assert people["member"].post(f"/courses/{course}/modules/new").status_code == 403


def test_completion_and_progress_bar_on_pages(client, people, world, h):
    course = world.spaces["course"]
    first = published_module(client, h, course, title="Перший")
    published_module(client, h, course, title="Другий", completion="view")
    member = people["member"]
    overview = page(member, f"/courses/{course}")
    assert "Завершено модулів: 0 з 2 (0%)" in overview
    assert member.post(f"/modules/{first['id']}/complete").status_code == 302
    overview = page(member, f"/courses/{course}")
    assert "Завершено модулів: 1 з 2 (50%)" in overview and "Далі:" in overview
    member.post(f"/modules/{first['id']}/uncomplete")
    assert "Завершено модулів: 0 з 2" in page(member, f"/courses/{course}")


def test_a_locked_module_says_what_to_complete(client, people, world, h):
    course = world.spaces["course"]
    first = published_module(client, h, course, title="Перший")
    second = published_module(client, h, course, title="Другий", body="Прихований зміст")
    people["expert"].post(f"/courses/{course}/settings", data={"requires_previous": "1"})
    locked = page(people["member"], f"/modules/{second['id']}")
    assert "Цей модуль відкриється, щойно ви завершите попередній" in locked
    assert "Прихований зміст" not in locked
    assert "Відкриється після попереднього модуля" in page(people["member"], f"/courses/{course}")
    people["member"].post(f"/modules/{first['id']}/complete")
    assert "Прихований зміст" in page(people["member"], f"/modules/{second['id']}")


def test_edits_keep_revisions_on_pages(client, people, world, h):
    module = published_module(client, h, world.spaces["course"], body="Стара версія")
    expert = people["expert"]
    edit_page = page(expert, f"/modules/{module['id']}/edit")
    assert "Стара версія" in edit_page
    response = expert.post(
        f"/modules/{module['id']}/edit",
        data={"title": "Нова назва", "body": "Нова версія", "completion": "manual"},
    )
    assert response.status_code == 302
    history = page(expert, f"/modules/{module['id']}/revisions")
    assert "Стара версія" in history
    assert people["member"].get(f"/modules/{module['id']}/revisions").status_code == 403
    assert people["member"].get(f"/modules/{module['id']}/edit").status_code == 403


def test_resources_on_pages(client, people, world, h):
    from io import BytesIO

    module = published_module(client, h, world.spaces["course"])
    expert = people["expert"]
    expert.post(
        f"/modules/{module['id']}/links",
        data={"link_title": "Методика", "url": "https://example.org/metodyka"},
    )
    expert.post(
        f"/modules/{module['id']}/resources",
        data={"file": (BytesIO(b"plan\n"), "plan.txt")},
        content_type="multipart/form-data",
    )
    seen = page(people["member"], f"/modules/{module['id']}")
    assert "https://example.org/metodyka" in seen and "plan.txt" in seen


def test_the_progress_table_chart_and_csv(client, people, world, h):
    course = world.spaces["course"]
    first = published_module(client, h, course, title="Перший")
    published_module(client, h, course, title="Другий")
    people["member"].post(f"/modules/{first['id']}/complete")
    assert people["member"].get(f"/courses/{course}/progress").status_code == 403
    assert people["trainee"].get(f"/courses/{course}/progress").status_code == 403
    table = page(people["expert"], f"/courses/{course}/progress")
    assert "Громада А" in table and "member" in table and "1 / 2" in table
    assert 'value="100"' in table and 'value="50"' in table  # Громада А, all communities
    csv = people["moderator"].get(f"/courses/{course}/progress.csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Громада,Учасник,Перший,Другий,Завершено"
    assert "Громада А,member,1,0,1" in lines and "Громада Б,outsider,0,0,0" in lines


def test_the_progress_page_query_count_does_not_grow(app, client, people, world, h, make_user):
    from cop.orgs.models import CommitteeMembership, Community

    course = world.spaces["course"]
    published_module(client, h, course)
    with app.app_context():
        engine = db.engine

    def count():
        with QueryCounter(engine) as counter:
            assert "Громада Б" in page(people["expert"], f"/courses/{course}/progress")
        return len(counter)

    count()  # the bell's count is kept from the second page on (cop/person_cache.py)
    small = count()
    for i in range(4):
        m = published_module(client, h, course, title=f"Модуль {i}")
        client.put(f"/api/v1/modules/{m['id']}/completion", headers=h["member"])
    users = [make_user(display_name=f"Учасник {i}") for i in range(6)]
    with app.app_context():
        community = db.session.scalar(db.select(Community).where(Community.name == "Громада Б"))
        for user in users:
            db.session.add(CommitteeMembership(user_id=user.id, community_id=community.id))
        db.session.commit()
    assert "Учасник 5" in page(people["expert"], f"/courses/{course}/progress")
    assert count() == small


def test_ask_an_expert_about_a_module(client, people, world, h):
    module = published_module(client, h, world.spaces["course"], title="Бачення")
    member = people["member"]
    assert "Запитати експерта про цей модуль" in page(member, f"/modules/{module['id']}")
    form = page(member, f"/consultations/new?module_id={module['id']}")
    assert "Щодо модуля «Бачення»" in form and f'value="{module["id"]}"' in form
    response = member.post(
        "/consultations/new",
        data={
            "title": "Як сформулювати бачення?",
            "body": "Порадьте",
            "module_id": str(module["id"]),
            "idempotency_key": "k1",
        },
    )
    assert response.status_code == 302
    consultation = page(member, response.headers["Location"])
    assert f'href="/modules/{module["id"]}"' in consultation and "Бачення" in consultation


def test_consultations_accept_readable_modules_only(client, world, h):
    draft = add_module(client, h["expert"], world.spaces["course"])
    refused = client.post(
        "/api/v1/consultations",
        headers=h["member"],
        json={"title": "Т", "body": "Б", "module_id": draft["id"]},
    )
    assert refused.status_code == 422 and "module_id" in refused.get_json()["error"]["fields"]
    module = published_module(client, h, world.spaces["course"])
    opened = client.post(
        "/api/v1/consultations",
        headers=h["member"],
        json={"title": "Т", "body": "Б", "module_id": module["id"]},
    )
    assert opened.status_code == 201 and opened.get_json()["module_id"] == module["id"]
    huge = client.post(
        "/api/v1/consultations",
        headers=h["member"],
        json={"title": "Т", "body": "Б", "module_id": 2**40},
    )
    assert huge.status_code == 422


def test_draft_module_forums_stay_hidden_on_pages(client, people, world, h, app):
    draft = add_module(client, h["expert"], world.spaces["course"], title="Чернетка модуля")
    member = people["member"]
    assert member.get(f"/spaces/{draft['forum_id']}").status_code == 404
    assert "Чернетка модуля" not in page(member, "/spaces")
    assert "Чернетка модуля" not in page(member, "/")
    with app.app_context():
        assert db.session.get(CourseModule, draft["id"]).forum.title == "Чернетка модуля"


def test_a_module_forum_leads_back_to_its_module_and_course(client, people, world, h):
    module = published_module(client, h, world.spaces["course"], title="Аналіз громади")
    forum = page(people["member"], f"/spaces/{module['forum_id']}")
    assert f'href="/modules/{module["id"]}">Аналіз громади</a>' in forum
    assert f'href="/courses/{world.spaces["course"]}"' in forum


def test_an_answer_a_learner_may_not_read_yet_does_not_reorder_the_modules_discussions(
    client, people, world, h
):
    """In a Q&A module forum a learner who has not answered sees the discussions by when
    they were started; those who may read the answers see the answered one move up."""
    module = published_module(client, h, world.spaces["course"], title="Питання й відповіді")
    forum = module["forum_id"]
    configured = client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=h["admin"], json={"forum_type": "qanda"}
    )
    assert configured.status_code == 200, configured.get_json()
    started = []
    for title in ("Перше питання", "Друге питання"):
        response = client.post(
            f"/api/v1/spaces/{forum}/discussions",
            headers=h["expert"],
            json={"title": title, "body": "Що ви думаєте?"},
        )
        assert response.status_code == 201, response.get_json()
        started.append(response.get_json()["id"])
    answered = client.post(
        f"/api/v1/discussions/{started[0]}/posts", headers=h["trainee"], json={"body": "Ось так."}
    )
    assert answered.status_code == 201, answered.get_json()
    url = f"/modules/{module['id']}"
    learner, expert = page(people["member"], url), page(people["expert"], url)
    assert learner.index("Друге питання") < learner.index("Перше питання")
    assert expert.index("Перше питання") < expert.index("Друге питання")
