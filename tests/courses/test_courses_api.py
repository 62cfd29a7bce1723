from cop.courses.models import CourseModule
from cop.extensions import db
from tests.conftest import QueryCounter
from tests.courses.helpers import add_module, publish, published_module


def test_an_expert_writes_a_draft_and_publishes_it(client, world, h):
    course = world.spaces["course"]
    draft = add_module(client, h["expert"], course, body="**Комітет** з 12 людей.", minutes=45)
    assert draft["status"] == "draft" and draft["minutes"] == 45
    assert "<strong>Комітет</strong>" in draft["body_html"]
    assert client.get(f"/api/v1/modules/{draft['id']}", headers=h["member"]).status_code == 404
    listed = client.get(f"/api/v1/courses/{course}/modules", headers=h["member"]).get_json()
    assert listed["items"] == []
    assert (
        client.get(f"/api/v1/courses/{course}", headers=h["member"]).get_json()["modules_published"]
        == 0
    )
    published = publish(client, h["expert"], draft["id"])
    assert published["status"] == "published" and published["published_at"]
    seen = client.get(f"/api/v1/modules/{draft['id']}", headers=h["member"]).get_json()
    assert seen["title"] == "Підготовка і комітет" and seen["completed"] is False
    listed = client.get(f"/api/v1/courses/{course}/modules", headers=h["member"]).get_json()
    assert [m["id"] for m in listed["items"]] == [draft["id"]]


def test_drafts_are_for_their_author_and_publishers(client, world, h):
    course = world.spaces["course"]
    draft = add_module(client, h["trainee"], course)
    for who in ("trainee", "expert", "other_expert", "moderator", "admin"):
        assert client.get(f"/api/v1/modules/{draft['id']}", headers=h[who]).status_code == 200, who
    for who in ("member", "outsider", "space_moderator"):
        assert client.get(f"/api/v1/modules/{draft['id']}", headers=h[who]).status_code == 404, who
        assert client.get(f"/api/v1/spaces/{draft['forum_id']}", headers=h[who]).status_code == 404
        posts = client.get(f"/api/v1/spaces/{draft['forum_id']}/discussions", headers=h[who])
        assert posts.status_code == 404
    assert client.get(f"/api/v1/modules/{draft['id']}").status_code == 401
    # The trainee drafts; only an expert publishes.
    refused = client.post(f"/api/v1/modules/{draft['id']}/publish", headers=h["trainee"])
    assert refused.status_code == 403
    assert (
        client.post(f"/api/v1/modules/{draft['id']}/publish", headers=h["member"]).status_code
        == 404
    )
    publish(client, h["expert"], draft["id"])
    assert client.get(f"/api/v1/modules/{draft['id']}", headers=h["member"]).status_code == 200
    # A published module changes only by those who publish.
    edit = client.patch(
        f"/api/v1/modules/{draft['id']}", headers=h["trainee"], json={"body": "Інакше"}
    )
    assert edit.status_code == 403


def test_members_cannot_write_modules(client, world, h):
    course = world.spaces["course"]
    response = client.post(
        f"/api/v1/courses/{course}/modules", headers=h["member"], json={"title": "Т", "body": "Б"}
    )
    assert response.status_code == 403
    bad = client.post(
        f"/api/v1/courses/{course}/modules", headers=h["expert"], json={"title": "Т", "body": ""}
    )
    assert bad.status_code == 422 and "body" in bad.get_json()["error"]["fields"]
    forum = world.spaces["forum_signed"]
    assert client.get(f"/api/v1/courses/{forum}", headers=h["expert"]).status_code == 404


def test_every_edit_of_a_published_module_keeps_a_revision(client, world, h):
    module = published_module(client, h, world.spaces["course"], body="Перша версія")
    draft_edit = client.patch(
        f"/api/v1/modules/{module['id']}", headers=h["expert"], json={"body": "Друга версія"}
    )
    assert draft_edit.status_code == 200 and draft_edit.get_json()["body"] == "Друга версія"
    client.patch(
        f"/api/v1/modules/{module['id']}", headers=h["expert"], json={"title": "Нова назва"}
    )
    revisions = client.get(f"/api/v1/modules/{module['id']}/revisions", headers=h["expert"])
    items = revisions.get_json()["items"]
    assert [(r["title"], r["body"]) for r in items] == [
        ("Підготовка і комітет", "Друга версія"),
        ("Підготовка і комітет", "Перша версія"),
    ]
    seen = client.get(f"/api/v1/modules/{module['id']}", headers=h["member"]).get_json()
    assert seen["title"] == "Нова назва" and seen["body"] == "Друга версія"
    assert (
        client.get(f"/api/v1/modules/{module['id']}/revisions", headers=h["member"]).status_code
        == 403
    )
    # Drafts keep no revisions.
    draft = add_module(client, h["expert"], world.spaces["course"])
    client.patch(f"/api/v1/modules/{draft['id']}", headers=h["expert"], json={"body": "Ще"})
    assert client.get(
        f"/api/v1/modules/{draft['id']}/revisions", headers=h["expert"]
    ).get_json() == {"items": []}


def test_unpublishing_hides_the_module_again(client, world, h):
    module = published_module(client, h, world.spaces["course"])
    response = client.patch(
        f"/api/v1/modules/{module['id']}", headers=h["expert"], json={"status": "draft"}
    )
    assert response.get_json()["status"] == "draft"
    assert client.get(f"/api/v1/modules/{module['id']}", headers=h["member"]).status_code == 404


def test_manual_completion(client, world, h):
    course = world.spaces["course"]
    module = published_module(client, h, course)
    url = f"/api/v1/modules/{module['id']}/completion"
    assert (
        client.get(f"/api/v1/modules/{module['id']}", headers=h["member"]).get_json()["completed"]
        is False
    )
    assert client.put(url, headers=h["member"]).get_json() == {
        "module_id": module["id"],
        "completed": True,
    }
    assert client.put(url, headers=h["member"]).status_code == 200
    mine = client.get(f"/api/v1/courses/{course}/progress", headers=h["member"]).get_json()
    assert (mine["modules_completed"], mine["percent"], mine["members"]) == (1, 100, None)
    assert client.delete(url, headers=h["member"]).get_json()["completed"] is False
    mine = client.get(f"/api/v1/courses/{course}/progress", headers=h["member"]).get_json()
    assert mine["modules_completed"] == 0
    draft = add_module(client, h["expert"], course)
    assert (
        client.put(f"/api/v1/modules/{draft['id']}/completion", headers=h["member"]).status_code
        == 404
    )


def test_completion_on_view(client, world, h):
    course = world.spaces["course"]
    module = published_module(client, h, course, completion="view")
    assert (
        client.put(f"/api/v1/modules/{module['id']}/completion", headers=h["member"]).status_code
        == 409
    )
    assert client.get(f"/api/v1/courses/{course}", headers=h["member"]).get_json()["percent"] == 0
    seen = client.get(f"/api/v1/modules/{module['id']}", headers=h["member"]).get_json()
    assert seen["completed"] is True
    assert client.get(f"/api/v1/courses/{course}", headers=h["member"]).get_json()["percent"] == 100


def test_requires_previous_module(client, world, h):
    course = world.spaces["course"]
    first = published_module(client, h, course, title="Перший")
    second = published_module(client, h, course, title="Другий", body="Таємниця")
    settings = client.patch(
        f"/api/v1/courses/{course}", headers=h["member"], json={"requires_previous": True}
    )
    assert settings.status_code == 403
    client.patch(f"/api/v1/courses/{course}", headers=h["expert"], json={"requires_previous": True})
    locked = client.get(f"/api/v1/modules/{second['id']}", headers=h["member"]).get_json()
    assert locked["locked"] is True and locked["body"] == "" and "Таємниця" not in str(locked)
    refused = client.put(f"/api/v1/modules/{second['id']}/completion", headers=h["member"])
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == "Спершу завершіть модуль «Перший»."
    course_out = client.get(f"/api/v1/courses/{course}", headers=h["member"]).get_json()
    assert course_out["next_module_id"] == first["id"] and course_out["requires_previous"]
    client.put(f"/api/v1/modules/{first['id']}/completion", headers=h["member"])
    opened = client.get(f"/api/v1/modules/{second['id']}", headers=h["member"]).get_json()
    assert opened["locked"] is False and opened["body"] == "Таємниця"
    # Experts see every module open.
    assert (
        client.get(f"/api/v1/modules/{second['id']}", headers=h["expert"]).get_json()["locked"]
        is False
    )


def test_reorder(client, world, h):
    course = world.spaces["course"]
    a = add_module(client, h["expert"], course, title="А")
    b = add_module(client, h["expert"], course, title="Б")
    assert (
        client.patch(
            f"/api/v1/modules/{b['id']}", headers=h["expert"], json={"move": -1}
        ).status_code
        == 200
    )
    titles = [
        m["title"]
        for m in client.get(f"/api/v1/courses/{course}/modules", headers=h["expert"]).get_json()[
            "items"
        ]
    ]
    assert titles == ["Б", "А"]
    edge = client.patch(f"/api/v1/modules/{b['id']}", headers=h["expert"], json={"move": -1})
    assert edge.status_code == 409
    publish(client, h["expert"], a["id"])
    assert (
        client.patch(
            f"/api/v1/modules/{a['id']}", headers=h["trainee"], json={"move": -1}
        ).status_code
        == 403
    )


def test_links_and_resources(client, world, h):
    from io import BytesIO

    module = published_module(client, h, world.spaces["course"])
    bad = client.post(
        f"/api/v1/modules/{module['id']}/links",
        headers=h["expert"],
        json={"title": "Посібник", "url": "javascript:alert(1)"},
    )
    assert bad.status_code == 422
    link = client.post(
        f"/api/v1/modules/{module['id']}/links",
        headers=h["expert"],
        json={"title": "Посібник", "url": "https://decentralization.ua/"},
    )
    assert link.status_code == 201
    files = client.post(
        f"/api/v1/modules/{module['id']}/resources",
        headers=h["expert"],
        data={"file": (BytesIO(b"SWOT template\n"), "swot.txt")},
        content_type="multipart/form-data",
    )
    assert files.status_code == 201, files.get_json()
    url = files.get_json()["items"][0]["url"]
    seen = client.get(f"/api/v1/modules/{module['id']}", headers=h["member"]).get_json()
    assert [r["filename"] for r in seen["resources"]] == ["swot.txt"]
    assert seen["links"][0]["url"] == "https://decentralization.ua/"
    with client.get(url, headers=h["member"]) as download:
        assert download.data == b"SWOT template\n"
    refused = client.post(
        f"/api/v1/modules/{module['id']}/links",
        headers=h["member"],
        json={"title": "Х", "url": "https://example.org/"},
    )
    assert refused.status_code == 403
    client.patch(f"/api/v1/modules/{module['id']}", headers=h["expert"], json={"status": "draft"})
    assert client.get(url, headers=h["member"]).status_code == 404
    attachment_id = files.get_json()["items"][0]["id"]
    assert (
        client.delete(f"/api/v1/attachments/{attachment_id}", headers=h["member"]).status_code
        == 404
    )
    assert (
        client.delete(f"/api/v1/attachments/{attachment_id}", headers=h["expert"]).status_code
        == 204
    )
    assert client.get(url, headers=h["expert"]).status_code == 404


def test_progress_for_experts(client, world, h, make_user, app):
    course = world.spaces["course"]
    first = published_module(client, h, course, title="Перший")
    published_module(client, h, course, title="Другий")
    client.put(f"/api/v1/modules/{first['id']}/completion", headers=h["member"])
    report = client.get(f"/api/v1/courses/{course}/progress", headers=h["expert"]).get_json()
    members = {m["display_name"]: m for m in report["members"]}
    assert members["member"]["completed_module_ids"] == [first["id"]]
    assert members["outsider"]["completed_module_ids"] == []
    by_name = {c["name"]: c for c in report["communities"]}
    assert by_name["Громада А"]["completed"][str(first["id"])] == 1
    assert by_name["Громада Б"]["completed"][str(first["id"])] == 0
    only_b = client.get(
        f"/api/v1/courses/{course}/progress?community_id={members['outsider']['community_id']}",
        headers=h["moderator"],
    ).get_json()
    assert [m["display_name"] for m in only_b["members"]] == ["outsider"]
    mine = client.get(f"/api/v1/courses/{course}/progress", headers=h["trainee"]).get_json()
    assert mine["members"] is None


def test_progress_query_count_does_not_grow(app, client, world, h, make_user):
    from cop.courses import progress
    from cop.orgs.models import CommitteeMembership, Community
    from cop.spaces.models import Space

    course = world.spaces["course"]

    def counted():
        with app.app_context():
            with QueryCounter(db.engine) as counter:
                table = progress.progress_table(db.session.get(Space, course))
                assert all(row.user.display_name for row in table.rows)
            return len(counter), len(table.rows), len(table.modules)

    published_module(client, h, course)
    small = counted()
    for i in range(5):
        m = published_module(client, h, course, title=f"Модуль {i}")
        client.put(f"/api/v1/modules/{m['id']}/completion", headers=h["member"])
    with app.app_context():
        community = db.session.scalar(db.select(Community).where(Community.name == "Громада А"))
        for i in range(8):
            user = make_user(display_name=f"Член {i}")
            db.session.add(CommitteeMembership(user_id=user.id, community_id=community.id))
        db.session.commit()
    large = counted()
    assert large[1] > small[1] and large[2] > small[2]
    assert large[0] == small[0]


def test_module_forum_follows_the_module(client, world, h):
    module = add_module(client, h["expert"], world.spaces["course"], forum_type="qanda")
    forum = module["forum_id"]
    start = client.post(
        f"/api/v1/spaces/{forum}/discussions",
        headers=h["member"],
        json={"title": "Питання", "body": "Як?"},
    )
    assert start.status_code == 404
    publish(client, h["expert"], module["id"])
    start = client.post(
        f"/api/v1/spaces/{forum}/discussions",
        headers=h["member"],
        json={"title": "Питання", "body": "Як?"},
    )
    assert start.status_code == 201
    client.patch(f"/api/v1/modules/{module['id']}", headers=h["expert"], json={"status": "draft"})
    d = start.get_json()["id"]
    assert client.get(f"/api/v1/discussions/{d}", headers=h["member"]).status_code == 404
    assert client.get(f"/api/v1/discussions/{d}", headers=h["expert"]).status_code == 200
    spaces = client.get("/api/v1/spaces?per_page=100", headers=h["member"]).get_json()
    assert forum not in [s["id"] for s in spaces["items"]]


def test_experts_moderate_module_forums_as_they_do_the_course(client, world, h):
    module = publish(
        client, h["expert"], add_module(client, h["expert"], world.spaces["course"])["id"]
    )
    start = client.post(
        f"/api/v1/spaces/{module['forum_id']}/discussions",
        headers=h["member"],
        json={"title": "Реклама", "body": "Купуйте!"},
    ).get_json()
    posts = client.get(f"/api/v1/discussions/{start['id']}/posts", headers=h["member"])
    post = posts.get_json()["items"][0]["id"]
    client.post(f"/api/v1/posts/{post}/reports", headers=h["outsider"], json={"reason": "spam"})
    queue = client.get("/api/v1/moderation/reports", headers=h["other_expert"]).get_json()
    assert [r["post_id"] for r in queue["items"]] == [post]
    assert client.put(f"/api/v1/posts/{post}/hidden", headers=h["trainee"]).status_code == 403
    assert client.put(f"/api/v1/posts/{post}/hidden", headers=h["other_expert"]).status_code == 200


def test_openapi_lists_the_course_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/courses",
        "/api/v1/courses/{course_id}",
        "/api/v1/courses/{course_id}/modules",
        "/api/v1/modules/{module_id}",
        "/api/v1/modules/{module_id}/publish",
        "/api/v1/modules/{module_id}/completion",
        "/api/v1/courses/{course_id}/progress",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/modules/{module_id}/completion"]) == {"put", "delete"}
    assert set(paths["/api/v1/courses/{course_id}/modules"]) == {"get", "post"}


def test_draft_modules_sql_twin_matches_the_policy(app, client, world, h):
    from cop import policy
    from cop.accounts.models import User

    course = world.spaces["course"]
    add_module(client, h["trainee"], course, title="Чернетка")
    published_module(client, h, course, title="Опубліковано")
    with app.test_request_context():
        modules = db.session.scalars(db.select(CourseModule)).all()
        for name, person in world.users.items():
            user = db.session.get(User, person.id)
            by_sql = set(
                db.session.scalars(db.select(CourseModule.id).where(policy.readable_modules(user)))
            )
            by_rule = {m.id for m in modules if policy.can(user, policy.VIEW, m)}
            assert by_sql == by_rule, name
