"""The forum page's list of discussions is kept for everyone who reads the forum with the
same rule (cop/discussions/forum_list.py): a reader never gets a discussion their rule
hides (a display period not open yet, another group's discussion) from a list kept for
someone else, and a display period opening or closing by the clock alone shows on the
next page. (Replies, new discussions, renames, moves, hides and removed members are in
tests/web/test_forum_rows.py, which goes through the kept list too.)"""

import time
from datetime import timedelta

from sqlalchemy import select, update

from cop.db import utcnow
from cop.discussions.models import Discussion, ForumSettings, GroupMode
from cop.extensions import db
from cop.orgs.models import Community
from tests.web.test_read_pages import start


def _titles(client, forum: int) -> str:
    """The forum page's table as this client sees it (asked twice: the second from what
    was kept must say the same)."""
    pages = [client.get(f"/spaces/{forum}").get_data(as_text=True) for _ in range(2)]
    assert pages[0].count("<tr>") == pages[1].count("<tr>")
    return pages[1]


def _set(app, discussion_id: int, **values) -> None:
    with app.app_context():  # as another server process would
        statement = update(Discussion).where(Discussion.id == discussion_id)
        db.session.execute(statement.values(**values))
        db.session.commit()


def test_a_discussion_not_displayed_yet_reaches_only_moderators(app, world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    moderator = login_as(world.users["moderator"])
    forum = world.spaces["forum_signed"]
    start(expert, forum, title="Відкрита тема")
    d = start(expert, forum, title="Тема на завтра")
    _set(app, d, display_from=utcnow() + timedelta(days=1))
    for _ in range(2):  # each reader's list asked after the other's was kept
        assert "Тема на завтра" in _titles(moderator, forum)
        page = _titles(member, forum)
        assert "Відкрита тема" in page and "Тема на завтра" not in page


def test_a_display_period_opening_and_closing_by_the_clock_shows_at_once(app, world, login_as):
    expert, member = login_as(world.users["expert"]), login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    soon = start(expert, forum, title="Тема за мить")
    ending = start(expert, forum, title="Тема, що мине")
    opens = utcnow() + timedelta(seconds=2)
    _set(app, soon, display_from=opens)
    _set(app, ending, display_until=opens)
    page = _titles(member, forum)
    assert "Тема за мить" not in page and "Тема, що мине" in page
    time.sleep(max((opens - utcnow()).total_seconds(), 0) + 0.2)  # nothing written meanwhile
    page = _titles(member, forum)
    assert "Тема за мить" in page and "Тема, що мине" not in page


def test_separate_groups_keep_each_groups_discussions_to_its_own(app, world, login_as):
    forum = world.spaces["forum_signed"]
    expert = login_as(world.users["expert"])
    member, outsider = login_as(world.users["member"]), login_as(world.users["outsider"])
    for_a, for_b = start(expert, forum, title="Для громади А"), start(expert, forum, title="Для Б")
    with app.app_context():
        ids = dict(db.session.execute(select(Community.name, Community.id)).all())
    _set(app, for_a, community_id=ids["Громада А"])
    _set(app, for_b, community_id=ids["Громада Б"])
    for _ in range(2):  # before the groups are separate, everyone sees both
        assert "Для громади А" in _titles(outsider, forum)
    with app.app_context():
        db.session.add(ForumSettings(space_id=forum, group_mode=GroupMode.SEPARATE))
        db.session.commit()
    for _ in range(2):  # each reader's list asked after the other's was kept
        page = _titles(member, forum)
        assert "Для громади А" in page and "Для Б" not in page
        page = _titles(outsider, forum)
        assert "Для Б" in page and "Для громади А" not in page
