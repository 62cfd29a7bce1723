"""Issue 20: each demo role walks from the dashboard to every kind of space it may see by
clicking links only, and no page it reaches says it is empty while its space has content."""

import pytest
from flask_login import AnonymousUserMixin
from playwright.sync_api import expect
from sqlalchemy import func, select

from cop import policy
from cop.accounts.models import User
from cop.courses.models import CourseModule
from cop.discussions.models import Discussion
from cop.extensions import db
from cop.live.models import LiveSession
from cop.spaces.models import Space

ROLES = [
    None,  # a guest
    "admin@example.org",
    "moderator@example.org",
    "expert@example.org",
    "trainee@example.org",
    "member@example.org",
    "member2@example.org",
]
EMPTY = [
    "Тут ще нічого не написали",
    "Обговорень ще немає",
    "Сесій наживо ще немає",
    "Модулів ще немає",
    "Консультацій тут немає",
]


def _has_content(space_id: int) -> bool:
    return any(
        db.session.scalar(select(func.count()).where(condition))
        for condition in (
            Discussion.space_id == space_id,
            CourseModule.course_id == space_id,
            LiveSession.space_id == space_id,
        )
    )


def _readable(app, email):
    """Title -> (kind, has content) of the spaces the person may read."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email)) if email else None
        spaces = db.session.scalars(
            select(Space).where(policy.readable_spaces(user or AnonymousUserMixin()))
        ).all()
        return {s.title: (s.kind.value, _has_content(s.id)) for s in spaces}


def _open(browser, base, email):
    context = browser.new_context(base_url=base, locale="uk-UA")
    page = context.new_page()
    page.goto("/")
    if email:
        page.get_by_role("link", name="Увійти").first.click()
        page.fill("#email", email)
        page.fill("#password", "demo")
        page.click("main form button[type=submit]")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Вітаємо")
    return context, page


def _says_empty(page) -> str | None:
    text = page.locator("main").inner_text()
    return next((phrase for phrase in EMPTY if phrase in text), None)


@pytest.fixture
def app(demo):
    """The served app is the demo's (a copy of the session's: tests/demo_fixtures.py)."""
    return demo


def test_each_role_reaches_every_kind_of_space_by_links(app, browser, live_url):
    for email in ROLES:
        readable = _readable(app, email)
        context, page = _open(browser, live_url, email)
        cards = page.locator("ul.cards li.card > a")
        titles = [cards.nth(i).inner_text() for i in range(cards.count())]
        reached = set()
        for title in titles:
            kind, has_content = readable[title]
            with page.expect_navigation():
                page.locator("ul.cards li.card > a", has_text=title).first.click()
            expect(page.locator("main h1")).to_be_visible()
            empty = _says_empty(page)
            assert not (has_content and empty), f"{email}: {title} ({page.url}) says {empty!r}"
            reached.add(kind)
            page.go_back()
        assert reached == {kind for kind, _ in readable.values()}, email
        page.get_by_role("link", name="Вебінари").click()
        has_sessions = any(content for kind, content in readable.values() if kind == "live")
        assert not (has_sessions and _says_empty(page)), f"{email}: the webinars say empty"
        context.close()
