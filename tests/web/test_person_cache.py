"""The bell's count and the unread counts of the dashboard and the forum page are kept per
person across requests (cop/person_cache.py): every write that changes them, through the
site or by another process, shows on the very next page."""

import re
import time
from datetime import timedelta

from sqlalchemy import delete, select, update

from cop.db import utcnow
from cop.discussions.models import Discussion, DiscussionRead, Post
from cop.extensions import db
from cop.notifications.models import Notification, NotificationKind
from cop.orgs.models import CommitteeMembership, Community
from cop.spaces.models import Space, SpaceMembership
from tests.conftest import QueryCounter
from tests.web.test_notification_pages import _bell
from tests.web.test_read_pages import badge, start


def _row_unread(page: str, discussion_id: int) -> str:
    """The forum page's unread column of a discussion's row."""
    row = re.search(
        rf'<tr[^>]*>(?:(?!</tr>).)*?/discussions/{discussion_id}"(.*?)</tr>', page, re.S
    )
    cell = re.search(r'data-label="Непрочитані">(.*?)</td>', row.group(1), re.S)
    found = re.search(r'<span class="badge">(\d+)</span>', cell.group(1))
    return found.group(1) if found else cell.group(1)


def _same_page(page: str, space_id: int) -> str:
    """A page without what differs on every request (its path, the nonce, the CSRF token)."""
    page = page.replace(f"/spaces/{space_id}", "/spaces/X")
    return re.sub(r'(nonce|value)="[^"]*"', "", page)


def _write_reply(app, discussion_id: int, author_id: int, body: str = "Ще одна думка") -> int:
    """A reply written as another server process would: straight to the database."""
    with app.app_context():
        first = _first_post(discussion_id)
        post = Post(
            discussion_id=discussion_id,
            parent_id=first,
            author_id=author_id,
            body=body,
            body_html=f"<p>{body}</p>",
        )
        db.session.add(post)
        discussion = db.session.get(Discussion, discussion_id)
        discussion.last_post_at = utcnow()
        db.session.commit()
        return post.id


def _first_post(discussion_id: int) -> int:
    return db.session.scalar(
        select(Post.id).where(Post.discussion_id == discussion_id, Post.parent_id.is_(None))
    )


def _notify(app, user_id: int, post_id: int, actor_id: int) -> int:
    with app.app_context():
        discussion_id = db.session.get(Post, post_id).discussion_id
        notification = Notification(
            user_id=user_id,
            kind=NotificationKind.REPLY,
            post_id=post_id,
            discussion_id=discussion_id,
            actor_id=actor_id,
        )
        db.session.add(notification)
        db.session.commit()
        return notification.id


def test_a_post_from_another_process_counts_at_once_on_dashboard_and_forum(app, world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    d = start(expert, forum, title="Тема для всіх")
    for _ in range(2):  # the second from the kept counts
        assert badge(member.get("/").text, "Загальний форум") == "Непрочитаних: 1"
        assert _row_unread(member.get(f"/spaces/{forum}").text, d) == "1"
    _write_reply(app, d, world.users["trainee"].id)
    assert badge(member.get("/").text, "Загальний форум") == "Непрочитаних: 2"
    assert _row_unread(member.get(f"/spaces/{forum}").text, d) == "2"
    # reading the discussion reads them: both pages say so on the next request
    assert member.get(f"/discussions/{d}").status_code == 200
    assert badge(member.get("/").text, "Загальний форум") is None
    assert _row_unread(member.get(f"/spaces/{forum}").text, d) == "0"
    # someone else's reading changes nothing of the member's
    _write_reply(app, d, world.users["trainee"].id, "Третя думка")
    assert login_as(world.users["outsider"]).get(f"/discussions/{d}").status_code == 200
    assert badge(member.get("/").text, "Загальний форум") == "Непрочитаних: 1"


def test_a_read_mark_written_by_another_process_shows_at_once(app, world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    d = start(expert, forum, title="Тема для всіх")
    assert badge(member.get("/").text, "Загальний форум") == "Непрочитаних: 1"
    with app.app_context():
        db.session.add(
            DiscussionRead(user_id=world.users["member"].id, discussion_id=d, read_until=utcnow())
        )
        db.session.commit()
    assert badge(member.get("/").text, "Загальний форум") is None
    assert _row_unread(member.get(f"/spaces/{forum}").text, d) == "0"


def test_the_bell_counts_a_notification_arriving_and_read_elsewhere(app, world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    d = start(expert, world.spaces["forum_signed"], title="Тема для всіх")
    assert _bell(member.get("/").text) is None
    assert _bell(member.get("/").text) is None  # kept
    with app.app_context():
        first = _first_post(d)
    post = _write_reply(app, d, world.users["expert"].id)
    notification = _notify(app, world.users["member"].id, post, world.users["expert"].id)
    assert _bell(member.get("/").text) == "1"
    assert _bell(member.get("/").text) == "1"
    with app.app_context():  # read by another process, by its id only
        db.session.execute(
            update(Notification).where(Notification.id == notification).values(read_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
    assert _bell(member.get("/").text) is None
    _notify(app, world.users["member"].id, first, world.users["expert"].id)
    assert _bell(member.get("/").text) == "1"
    member.post("/notifications/read")
    assert _bell(member.get("/").text) is None


def test_membership_revoked_elsewhere_drops_the_forum_and_its_counts(app, world, login_as):
    member = login_as(world.users["member"])
    moderator = login_as(world.users["space_moderator"])
    forum = world.spaces["forum_members"]
    d = start(moderator, forum, title="Тема своїх")
    post = _write_reply(app, d, world.users["space_moderator"].id)
    _notify(app, world.users["member"].id, post, world.users["space_moderator"].id)
    page = member.get("/").text
    assert badge(page, "Форум для своїх") == "Непрочитаних: 2" and _bell(page) == "1"
    assert _row_unread(member.get(f"/spaces/{forum}").text, d) == "2"
    with app.app_context():
        db.session.execute(
            delete(SpaceMembership).where(
                SpaceMembership.space_id == forum,
                SpaceMembership.user_id == world.users["member"].id,
            )
        )
        db.session.commit()
    assert member.get(f"/spaces/{forum}").status_code == 404
    assert _same_page(member.get(f"/spaces/{forum}").text, forum) == _same_page(
        member.get("/spaces/999999").text, 999999
    )
    page = member.get("/").text
    assert "Форум для своїх" not in page and _bell(page) is None


def test_a_discussion_leaving_its_display_period_leaves_the_counts(app, world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    start(expert, forum, title="Тема для всіх")
    timed = start(expert, forum, title="Тема на мить")
    with app.app_context():
        db.session.get(Discussion, timed).display_until = utcnow() + timedelta(seconds=2)
        db.session.commit()
    assert badge(member.get("/").text, "Загальний форум") == "Непрочитаних: 2"
    assert badge(member.get("/").text, "Загальний форум") == "Непрочитаних: 2"  # kept
    time.sleep(2.1)  # no write: only the clock moves
    assert badge(member.get("/").text, "Загальний форум") == "Непрочитаних: 1"


def test_someone_elses_reading_keeps_my_counts(app, world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    outsider = login_as(world.users["outsider"])
    d = start(expert, world.spaces["forum_signed"], title="Тема для всіх")
    with app.app_context():
        engine = db.engine
    member.get("/")
    with QueryCounter(engine) as kept:
        member.get("/")
    outsider.get(f"/discussions/{d}")  # writes the outsider's read mark and notifications
    with QueryCounter(engine) as after:
        page = member.get("/").text
    assert len(after) == len(kept)
    assert badge(page, "Загальний форум") == "Непрочитаних: 1"


def test_the_dashboard_lists_show_a_rename_and_a_committee_from_another_process(
    app, world, login_as
):
    outsider = login_as(world.users["outsider"])
    forum = world.spaces["forum_signed"]
    for _ in range(2):  # the second from the kept lists
        page = outsider.get("/").text
        assert "<strong>Загальний форум</strong>" in page
    with app.app_context():
        db.session.get(Space, forum).title = "Форум громад"
        member_of = db.session.scalar(
            select(CommitteeMembership.community_id).where(
                CommitteeMembership.user_id == world.users["member"].id
            )
        )
        db.session.add(
            CommitteeMembership(user_id=world.users["outsider"].id, community_id=member_of)
        )
        name = db.session.get(Community, member_of).name
        db.session.commit()
    page = outsider.get("/").text
    assert "<strong>Форум громад</strong>" in page and "Загальний форум" not in page
    assert f"<li>{name} " in page
