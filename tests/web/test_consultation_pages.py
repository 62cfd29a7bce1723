"""Consultation pages: the desk (a queue for experts, "our consultations" for a
committee), asking, the consultation page with its actions, notes and timeline; another
community's people and internal notes stay out of every page."""

import re
from datetime import timedelta

import pytest
from markupsafe import Markup
from sqlalchemy import update

from cop.consultations.models import Consultation
from cop.db import utcnow
from cop.extensions import db
from tests.conftest import QueryCounter
from tests.files import PDF, download, upload


def ask(client, title="Як провести громадські слухання?", body="Що потрібно **спершу**?", **extra):
    response = client.post(
        "/consultations/new",
        data={"title": title, "body": body, "idempotency_key": title, **extra},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def post_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="post-(\d+)"', page)]


def reply(client, url, body, key=None):
    first = post_ids(text(client, url))[0]
    response = client.post(
        f"/posts/{first}/reply", data={"body": body, "idempotency_key": key or body}
    )
    assert response.status_code == 302
    return response


def note(client, url, body, key=None):
    response = client.post(
        f"{url}/notes", data={"note-body": body, "note-idempotency_key": key or body}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return post_id_in(response.headers["Location"])


def post_id_in(location: str) -> int:
    """The post a redirect points at: a permalink /posts/<id> or a #post-<id> anchor."""
    return int(re.search(r"(?:/posts/|#post-)(\d+)", location).group(1))


def move(client, url, to, **extra):
    return client.post(f"{url}/transitions", data={"to": to, **extra})


@pytest.fixture
def people(world, login_as):
    return {name: login_as(user) for name, user in world.users.items()}


def test_a_committee_asks_and_follows_its_consultation(people):
    member, expert = people["member"], people["expert"]
    form = text(member, "/consultations/new")
    assert "Запитати експертів" in form and 'name="platform_id"' in form
    assert 'name="community_id"' not in form  # one committee: no choice to make
    url = ask(member, platform_id="9", file=upload(PDF, "Протокол.pdf"))
    page = text(member, url)
    assert "Ваше запитання передано експертам." in page
    assert "<strong>спершу</strong>" in page and "Протокол.pdf" in page
    assert "Нова" in page and "Освіта" in page and "Громада А" in page
    assert "member ставить запитання" in Markup(page).striptags()  # the name links
    assert "Взяти в роботу" not in page and "Внутрішня нотатка" not in page
    desk = text(member, "/consultations")
    assert "Наші консультації" in desk and "Як провести громадські слухання?" in desk
    assert 'name="assignee"' not in desk  # the committee has no queue to work
    # the expert sees it on the desk, unread, and takes it on
    queue = text(expert, "/consultations")
    assert "Як провести громадські слухання?" in queue and '<span class="badge"' in queue
    page = text(expert, url)
    assert "Взяти в роботу" in page and "Внутрішня нотатка" in page
    assert move(expert, url, "assigned").status_code == 302
    page = text(expert, url)
    assert "Стан консультації тепер «Призначена»." in page
    timeline = Markup(page).striptags()  # names link to profiles
    assert "expert бере в роботу" in timeline and "expert: «Нова» → «Призначена»" in timeline


def test_the_expert_answers_the_committee_resolves_with_a_rating(people):
    member, expert = people["member"], people["expert"]
    url = ask(member)
    reply(expert, url, "Почніть з оголошення.")
    page = text(member, url)
    assert "Є відповідь" in page and "Почніть з оголошення." in page
    assert "Питання вирішено?" in page and 'name="rating"' in page
    missing = move(member, url, "resolved")
    assert missing.status_code == 422
    assert "Щоб позначити питання вирішеним, оцініть відповідь від 1 до 5." in missing.get_data(
        as_text=True
    )
    assert move(member, url, "resolved", rating="7").status_code == 422
    assert move(member, url, "resolved", rating="4", comment="Дуже допомогло").status_code == 302
    page = text(expert, url)
    assert "Оцінка комітету: 4 з 5 · «Дуже допомогло»" in page
    assert "оцінка 4 з 5" in page  # in the timeline
    assert "Закрити" in page and "Відкрити знову" in page
    assert move(expert, url, "closed").status_code == 302
    page = text(member, url)
    assert "Цю консультацію закрито. Щоб писати далі, відкрийте її знову." in page
    assert 'class="reply-box"' not in page  # no reply form
    refused = member.post(
        f"/posts/{post_ids(page)[0]}/reply", data={"body": "Ще питання", "idempotency_key": "z"}
    )
    assert "Цю консультацію закрито." in refused.get_data(as_text=True)
    assert "Ще питання" not in text(expert, url)


def test_forbidden_moves_on_pages_say_why(people, app):
    member, expert = people["member"], people["expert"]
    url = ask(member)
    refused = move(member, url, "closed")
    assert refused.status_code == 409
    assert "Консультацію не можна перевести зі стану «Нова» у стан «Закрита»." in refused.get_data(
        as_text=True
    )
    assert move(member, url, "assigned").status_code == 403
    assert move(expert, url, "lost").status_code == 422


def test_assignment_on_the_page(people, world):
    member, expert, trainee, moderator = (
        people[n] for n in ("member", "expert", "trainee", "moderator")
    )
    url = ask(member)
    page = text(moderator, url)
    assert (
        'id="assign-to"' in page and ">expert (Експерт)<" in page and ">trainee (Стажист)<" in page
    )
    assert "other_expert" not in page
    assert 'id="assign-to"' not in text(expert, url)  # experts take it on themselves
    moderator.post(f"{url}/assignees", data={"add": world.users["trainee"].id})
    page = text(trainee, url)
    assert "Призначена" in page and "Відмовитися" in page
    assert "moderator призначає виконавця: trainee" in Markup(page).striptags()
    assert (
        member.post(f"{url}/assignees", data={"add": world.users["expert"].id}).status_code == 403
    )
    assert (
        expert.post(f"{url}/assignees", data={"remove": world.users["trainee"].id}).status_code
        == 403
    )
    page = text(expert, url)
    assert "Взяти в роботу" in page
    expert.post(f"{url}/assignees", data={"add": world.users["expert"].id})
    trainee.post(f"{url}/assignees", data={"remove": world.users["trainee"].id})
    page = text(member, url)
    assert "trainee відмовляється від виконання" in Markup(page).striptags()
    assert re.search(r'<li><a href="/people/\d+">expert</a> <span', page)


def test_internal_notes_on_the_page_and_never_for_the_committee(app, people, world):
    member, expert, trainee = people["member"], people["expert"], people["trainee"]
    url = ask(member)
    reply(expert, url, "Публічна відповідь")
    username = world.users["member"].username
    note_id = note(expert, url, f"@{username} Голова не знає про борг")
    # the trainee answers the note: the reply page says it stays internal
    reply_page = text(trainee, f"/posts/{note_id}/reply")
    assert "Відповідь на внутрішню нотатку теж є внутрішньою нотаткою" in reply_page
    assert 'name="private"' not in reply_page
    answered = trainee.post(
        f"/posts/{note_id}/reply", data={"body": "Перевірю борг", "idempotency_key": "t"}
    )
    assert answered.status_code == 302
    reply_id = post_id_in(answered.headers["Location"])
    page = text(expert, url)
    assert "Голова не знає про борг" in page and "Перевірю борг" in page
    assert len(re.findall(r'class="post[^"]* internal"', page)) == 2
    assert "внутрішня нотатка" in page
    # the committee: not on the page, not by any link to it, not in the bell or counts
    page = text(member, url)
    assert "борг" not in page and "внутрішня нотатка" not in page
    for post_id in (note_id, reply_id):
        assert f"post-{post_id}" not in page
        for path in ("reply", "reply?quote=1", "edit", "history"):
            assert member.get(f"/posts/{post_id}/{path}").status_code == 404
    assert "борг" not in text(member, "/notifications")
    assert "борг" not in text(member, "/consultations")
    assert member.post(f"{url}/notes", data={"note-body": "x"}).status_code == 403
    # the unread count of the desk on the dashboard counts public posts only
    expert.post(
        f"/posts/{post_ids(text(expert, url))[0]}/reply",
        data={"body": "Ще одна", "idempotency_key": "y"},
    )
    note(expert, url, "І ще нотатка")
    dashboard = text(member, "/")
    assert "Непрочитаних: 1" in dashboard and "Непрочитаних: 3" not in dashboard


def test_a_note_attachment_is_for_the_desk_only(people):
    member, expert = people["member"], people["expert"]
    url = ask(member)
    response = expert.post(
        f"{url}/notes",
        data={
            "note-body": "Кошторис",
            "note-idempotency_key": "f",
            "note-file": upload(PDF, "Борг.pdf"),
        },
    )
    assert response.status_code == 302
    page = text(expert, url)
    link = re.search(r'href="(/attachments/\d+/[^"]+)"', page).group(1)
    assert download(expert, link).status_code == 200
    assert download(member, link).status_code == 404
    assert "Борг.pdf" not in text(member, url)


def test_another_community_never_sees_a_consultation(app, people, world):
    member, outsider, other_expert = people["member"], people["outsider"], people["other_expert"]
    url = ask(member, title="Таємне питання", file=upload(PDF, "Таємне.pdf"))
    page = text(member, url)
    discussion_link = f"/discussions/{db_discussion(app, url)}"
    file_link = re.search(r'href="(/attachments/\d+/[^"]+)"', page).group(1)
    for client in (outsider, other_expert):
        assert client.get(url).status_code == 404
        assert client.get(discussion_link).status_code == 404
        assert download(client, file_link).status_code == 404
        for path, data in (
            ("transitions", {"to": "assigned"}),
            ("assignees", {"add": "1"}),
            ("notes", {"note-body": "x"}),
            ("platform", {"platform_id": "1"}),
        ):
            assert client.post(f"{url}/{path}", data=data).status_code == 404
        assert client.get(f"/posts/{post_ids(page)[0]}/reply").status_code == 404
        desk = text(client, "/consultations")
        assert "Таємне питання" not in desk and "Громада А" not in desk
        assert "Таємне" not in text(client, "/notifications")
        assert "Таємне" not in text(client, "/")


def db_discussion(app, url) -> int:
    with app.app_context():
        return db.session.get(Consultation, int(url.rsplit("/", 1)[1])).discussion_id


def test_a_discussion_link_leads_to_the_consultation(app, people):
    url = ask(people["member"])
    response = people["expert"].get(f"/discussions/{db_discussion(app, url)}")
    assert response.status_code == 302 and response.headers["Location"].endswith(url)


def test_the_desk_filters_and_marks_what_is_overdue(app, people, world):
    member, expert = people["member"], people["expert"]
    old = ask(member, title="Старе питання")
    ask(member, title="Свіже питання", platform_id="7")
    with app.app_context():
        db.session.execute(
            update(Consultation)
            .where(Consultation.id == int(old.rsplit("/", 1)[1]))
            .values(created_at=utcnow() - timedelta(days=9))
        )
        db.session.commit()
    queue = text(expert, "/consultations")
    row = re.search(r"<tr>\s*<td[^>]*><a[^>]*>Старе питання.*?</tr>", queue, re.S).group(0)
    assert "прострочено" in row and "<time datetime=" in row  # asked when, in the one format
    assert 'Нова <span class="muted">2</span>' in queue
    overdue = text(expert, "/consultations?overdue=1")
    assert "Старе питання" in overdue and "Свіже питання" not in overdue
    by_platform = text(expert, "/consultations?platform_id=7")
    assert "Свіже питання" in by_platform and "Старе питання" not in by_platform
    assert "Старе питання" in text(expert, "/consultations?older_than_days=7&order=oldest")
    mine = text(expert, "/consultations?assignee=mine")
    assert "Консультацій тут немає." in mine
    assert text(expert, "/consultations?status=lost&older_than_days=x").count("<tr>") == 3


def test_pages_cost_the_same_however_much_they_hold(app, people, world):
    member, expert, trainee = people["member"], people["expert"], people["trainee"]

    def cost(client, url):
        with app.app_context():
            engine = db.engine
        with QueryCounter(engine) as counter:
            assert client.get(url).status_code == 200
        return len(counter)

    url = ask(member, title="Перше")
    reply(expert, url, "Відповідь 1")
    note(trainee, url, "Нотатка 1")
    page_few, desk_few = cost(expert, url), cost(expert, "/consultations")
    member_few = cost(member, url)
    for i in range(5):
        reply(expert, url, f"Ще відповідь {i}")
        reply(member, url, f"Уточнення {i}")
        note(trainee, url, f"Ще нотатка {i}")
    expert.post(f"{url}/assignees", data={"add": world.users["expert"].id})
    for i in range(6):
        other = ask(member, title=f"Питання {i}", platform_id=str(i + 1))
        reply(trainee, other, "Так", key=f"так-{i}")
    assert cost(expert, url) == page_few
    assert cost(member, url) == member_few
    assert cost(expert, "/consultations") == desk_few


def test_a_double_submitted_question_is_asked_once(people):
    member = people["member"]
    first, second = ask(member, title="Один раз"), ask(member, title="Один раз")
    assert first == second
    assert text(member, "/consultations").count("Один раз") == 1


def test_only_committees_and_staff_ask(people):
    assert people["expert"].get("/consultations/new").status_code == 403
    page = text(people["moderator"], "/consultations/new")
    assert 'name="community_id"' in page
    assert "Консультації" in text(people["member"], "/")
    assert 'href="/consultations"' not in text(people["space_moderator"], "/")


def test_a_desk_space_opens_on_its_consultations(people, world):
    response = people["member"].get(f"/spaces/{world.spaces['desk']}")
    assert response.status_code == 302
    assert re.fullmatch(r"/consultations\?community_id=\d+", response.location)
    assert re.search(r'href="/consultations\?community_id=\d+"', text(people["member"], "/"))


def test_the_committee_agrees_and_an_expert_publishes_from_the_page(people):
    member, expert, outsider = people["member"], people["expert"], people["outsider"]
    url = ask(member, title="Як написати бачення Громади А?", body="Громада А хоче бачення.")
    page = text(member, url)  # nothing to publish yet: no question about publishing
    assert "База знань" not in page and 'name="publish_consent"' not in page
    reply(expert, url, "Почніть з мрії мешканців.")
    page = text(member, url)
    assert "База знань" in page and "Рішення комітету: <strong>Не публікувати</strong>" in page
    assert 'name="publish_consent"' in page and "Опублікувати в базі знань" not in page
    assert "Її можна буде опублікувати після розв’язання" in text(expert, url)
    assert move(member, url, "resolved", rating="5").status_code == 302
    assert "Комітет не дав згоди на публікацію" in text(expert, url)
    assert member.post(f"{url}/consent", data={"publish_consent": "anonymised"}).status_code == 302
    assert "Збережено: Можна публікувати знеособлено." in text(member, url)
    page = text(expert, url)
    assert 'name="anonymise"' in page and "Комітет погодився лише на знеособлену" in page
    refused = expert.post(f"{url}/publish", data={})  # unticked: not what was agreed
    assert refused.status_code == 302
    assert "Комітет погодився лише на знеособлену публікацію." in text(expert, url)
    done = expert.post(f"{url}/publish", data={"anonymise": "1"})
    assert done.status_code == 302 and "/discussions/" in done.headers["Location"]
    copy = text(outsider, done.headers["Location"])
    assert "Як написати бачення [громада]?" in copy and "Почніть з мрії мешканців." in copy
    assert "Громада А" not in copy and "Комітет громади" in copy
    assert "Опубліковано з консультації" not in copy
    published = text(expert, done.headers["Location"])
    assert "Опубліковано з консультації (громада: Громада А):" in published
    page = text(member, url)
    assert "читати опубліковану копію" in page and "знеособлено" in page


def test_the_desk_can_be_unfollowed_from_the_consultations_page(people, world):
    member, expert = people["member"], people["expert"]
    ask(member, title="Перше")
    desk = text(expert, "/consultations")  # one community's desk: its follow button is here
    assert "Нові консультації (громада: Громада А):" in desk and ">Не стежити</button>" in desk
    left = expert.post(f"/spaces/{world.spaces['desk']}/subscription", data={"subscribed": "0"})
    assert left.status_code == 302 and "/consultations" in left.headers["Location"]
    desk = text(expert, left.headers["Location"])
    assert "Ви більше не отримуватимете новин про консультації. Громада: Громада А." in desk
    assert ">Стежити</button>" in desk
    ask(member, title="Друге")
    bell = expert.get("/api/v1/notifications").get_json()["items"]
    assert [n["text"] for n in bell] == ["member питає експертів: «Перше»"]


def test_the_page_reads_like_a_ticket_question_answers_then_actions(people):
    member, expert = people["member"], people["expert"]
    url = ask(member, body="Як скликати громадські слухання?")
    assert move(expert, url, "assigned").status_code == 302
    reply(expert, url, "Рішенням ради про порядок їх проведення.")
    for who in (member, expert):
        page = text(who, url)
        question = page.index("Як скликати громадські слухання?")
        answer = page.index("Рішенням ради про порядок їх проведення.")
        actions = page.index('id="consultation-actions"')
        assert question < answer < actions
        assert page.index('id="consultation-thread"') < question
        for action in ('name="publish_consent"', "Питання вирішено?", "Виконавці"):
            if action in page:
                assert page.index(action) > answer, (action, who)
    assert 'name="publish_consent"' in text(member, url)
    assert "Виконавці" in text(expert, url)
