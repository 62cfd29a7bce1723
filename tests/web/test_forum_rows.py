"""The forum page's rows of discussions are rendered once per process and kept
(cop/spaces/rows.py): a kept row never outlives the change that should alter it, whether
it came through the site or from another process writing to the database; it never shows
a reader what is hidden from them; and the page's SQL count stays flat."""

import re
from datetime import timedelta

from sqlalchemy import delete, update

from cop.accounts.models import User
from cop.db import utcnow
from cop.discussions import counters
from cop.discussions.models import Discussion, DiscussionTag, ForumSettings, ForumType
from cop.extensions import db
from cop.spaces.models import Space, SpaceMembership, Visibility
from tests.conftest import QueryCounter
from tests.web.test_person_cache import _same_page, _write_reply
from tests.web.test_read_pages import reply, start


def _row(client, space_id: int, discussion_id: int) -> str | None:
    """The discussion's row on the forum page, as this client sees it (twice: the second
    time from the kept rows, which must say the same)."""
    rows = []
    for _ in range(2):
        response = client.get(f"/spaces/{space_id}")
        assert response.status_code == 200
        found = re.search(
            rf'<tr>(?:(?!</tr>).)*?href="/discussions/{discussion_id}">.*?</tr>',
            response.get_data(as_text=True),
            re.S,
        )
        rows.append(found.group(0) if found else None)
    assert rows[0] == rows[1]
    return rows[0]


def _cell(row: str, label: str) -> str:
    return re.search(rf'data-label="{label}">(.*?)</td>', row, re.S).group(1)


def test_replies_and_a_new_discussion_show_at_once(app, world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    trainee = login_as(world.users["trainee"])
    forum = world.spaces["forum_signed"]
    d = start(expert, forum, title="Тема для всіх")
    row = _row(member, forum, d)
    assert _cell(row, "Відповіді") == "0" and 'badge">1<' in _cell(row, "Непрочитані")
    reply(trainee, d, body="Перша відповідь")
    row = _row(member, forum, d)
    assert _cell(row, "Відповіді") == "1"
    assert _cell(row, "Останній допис").startswith("trainee, <time")
    reply(trainee, d, body="Друга відповідь")  # the same last author, one more reply
    row = _row(member, forum, d)
    assert _cell(row, "Відповіді") == "2"
    assert f'<a href="/discussions/{d}/unread"><span class="badge">3</span></a>' in row
    with app.app_context():  # a reply written by another process, with its counts
        post_id = _write_reply(app, d, world.users["outsider"].id)
        counters.recount(db.session.get(Discussion, d))
        db.session.commit()
        assert db.session.get(Discussion, d).last_post_id == post_id
    row = _row(member, forum, d)
    assert _cell(row, "Відповіді") == "3"
    assert _cell(row, "Останній допис").startswith("outsider, <time")
    other = start(expert, forum, title="Друга тема")
    assert "Друга тема" in _row(member, forum, other)


def _rename(app, model, row_id: int, **values) -> None:
    with app.app_context():  # as another server process would: no call into this one's cache
        db.session.execute(update(model).where(model.id == row_id).values(**values))
        db.session.commit()


def test_renames_by_another_process_show_at_once(app, world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    d = start(expert, forum, title="Стара назва")
    reply(login_as(world.users["trainee"]), d)
    row = _row(member, forum, d)
    assert "Стара назва" in row
    assert _cell(row, "Автор") == f'<a href="/people/{world.users["expert"].id}">expert</a>'
    _rename(app, Discussion, d, title="Нова назва")
    row = _row(member, forum, d)
    assert "Нова назва" in row and "Стара назва" not in row
    _rename(app, User, world.users["expert"].id, display_name="Олена")
    assert ">Олена</a>" in _cell(_row(member, forum, d), "Автор")
    _rename(app, User, world.users["trainee"].id, display_name="Петро")  # the last post's
    assert _cell(_row(member, forum, d), "Останній допис").startswith("Петро, <time")


def test_pins_locks_display_periods_and_tags_show_at_once(app, world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    d = start(expert, forum)
    row = _row(member, forum, d)
    assert "закріплено" not in row and 'class="tag topic"' not in row
    _rename(app, Discussion, d, pinned=True)
    assert '<span class="tag">закріплено</span>' in _row(member, forum, d)
    _rename(app, Discussion, d, locked=True)
    assert "закрито" in _row(member, forum, d)
    _rename(app, Discussion, d, display_until=utcnow() + timedelta(days=1))
    assert "tag-draft" in _row(member, forum, d)
    with app.app_context():
        db.session.add(DiscussionTag(discussion_id=d, name="бюджет"))
        db.session.commit()
    assert f'href="/spaces/{forum}?tag=%D0%B1' in _row(member, forum, d)
    public = world.spaces["forum_public"]
    _rename(app, Discussion, d, space_id=public)  # moved: its tags link to its new forum
    assert f'href="/spaces/{public}?tag=%D0%B1' in _row(member, public, d)


def test_a_moderators_hide_shows_at_once(world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    d = start(expert, forum)
    reply(expert, d, body="Видима відповідь")
    reply(login_as(world.users["trainee"]), d, body="Відповідь, яку приховають")
    row = _row(member, forum, d)
    assert _cell(row, "Відповіді") == "2" and "trainee" in _cell(row, "Останній допис")
    moderator = login_as(world.users["moderator"])
    page = moderator.get(f"/discussions/{d}").get_data(as_text=True)
    last = re.findall(r'id="post-(\d+)"', page)[-1]
    assert moderator.post(f"/posts/{last}/hide", data={"restore": "0"}).status_code == 302
    row = _row(member, forum, d)
    assert _cell(row, "Відповіді") == "1" and "trainee" not in row
    assert _cell(row, "Останній допис").startswith("expert, <time")


def test_a_removed_member_gets_what_a_missing_forum_answers(app, world, login_as):
    member = login_as(world.users["member"])
    forum = world.spaces["forum_members"]
    d = start(member, forum, title="Лише для своїх")
    assert "Лише для своїх" in _row(member, forum, d)
    with app.app_context():  # removed by another process
        db.session.execute(
            delete(SpaceMembership).where(
                SpaceMembership.space_id == forum,
                SpaceMembership.user_id == world.users["member"].id,
            )
        )
        db.session.commit()
    removed, missing = member.get(f"/spaces/{forum}"), member.get("/spaces/987654")
    assert removed.status_code == missing.status_code == 404
    assert "Лише для своїх" not in removed.get_data(as_text=True)
    assert _same_page(removed.get_data(as_text=True), forum) == _same_page(
        missing.get_data(as_text=True), 987654
    )


def test_a_language_switch_shows_at_once(world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    d = start(expert, forum, title="Тема для всіх")
    assert 'data-label="Непрочитані"' in _row(member, forum, d)
    assert member.post("/locale/en", data={"next": "/"}).status_code == 302
    row = _row(member, forum, d)
    assert 'data-label="Unread"' in row and "Непрочитані" not in row
    assert 'data-label="Unread"' not in _row(expert, forum, d)  # the expert still reads Ukrainian


def test_a_guest_never_gets_a_members_profile_link(world, login_as, client):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    forum = world.spaces["forum_public"]
    d = start(expert, forum, title="Відкрита тема")
    assert "/people/" in _cell(_row(member, forum, d), "Автор")
    row = _row(client, forum, d)
    assert _cell(row, "Автор") == "expert"
    assert "/people/" not in row


def test_replies_hidden_in_a_qanda_forum_stay_hidden_from_whom_they_should(app, world, login_as):
    forum = world.spaces["forum_signed"]
    with app.app_context():
        db.session.add(ForumSettings(space_id=forum, forum_type=ForumType.QANDA))
        db.session.commit()
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    d = start(expert, forum, title="Питання")
    reply(login_as(world.users["trainee"]), d, body="Відповідь стажера")
    for _ in range(2):  # the author's row and the reader's, each after the other's
        row = _row(expert, forum, d)
        assert _cell(row, "Відповіді") == "1" and "trainee" in row
        row = _row(member, forum, d)
        assert _cell(row, "Відповіді") == "—" and "trainee" not in row
        assert "Надішліть власну відповідь, щоб побачити інші." in row


def test_the_forum_page_takes_the_same_queries_for_any_number_of_discussions(app, world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    with app.app_context():
        engine = db.engine

    def count() -> int:
        member.get(f"/spaces/{forum}")  # rows rendered and kept; counts kept
        with QueryCounter(engine) as queries:
            assert member.get(f"/spaces/{forum}").status_code == 200
        return len(queries)

    for i in range(3):
        reply(expert, start(expert, forum, title=f"Тема {i}"), body=f"Відповідь {i}")
    few = count()
    for i in range(3, 30):
        reply(expert, start(expert, forum, title=f"Тема {i}"), body=f"Відповідь {i}")
    assert count() == few


def test_the_forums_own_changes_by_another_process_show_at_once(app, world, login_as):
    member = login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    for _ in range(2):  # the second from the space kept for everyone
        page = member.get(f"/spaces/{forum}").get_data(as_text=True)
        assert "<h1>Загальний форум</h1>" in page and "qanda-rule" not in page
    _rename(app, Space, forum, title="Форум громад")
    assert "<h1>Форум громад</h1>" in member.get(f"/spaces/{forum}").get_data(as_text=True)
    with app.app_context():
        db.session.add(ForumSettings(space_id=forum, forum_type=ForumType.QANDA))
        db.session.commit()
    assert "qanda-rule" in member.get(f"/spaces/{forum}").get_data(as_text=True)
    _rename(app, Space, forum, visibility=Visibility.MEMBERS)  # the member is not one
    assert member.get(f"/spaces/{forum}").status_code == 404
    with app.app_context():
        db.session.execute(delete(Space).where(Space.id == world.spaces["forum_public"]))
        db.session.commit()
    assert member.get(f"/spaces/{world.spaces['forum_public']}").status_code == 404
