"""A moderator opens a forum's participation report from the forum, filters it by a
group, and downloads its CSV; the chart draws under the strict CSP without a violation."""

from playwright.sync_api import expect

from cop.discussions import service
from cop.extensions import db
from tests.browser.test_forum_flow import sign_in
from tests.search.helpers import discussion, person, space


def test_a_moderator_reads_the_participation_report_of_a_group(
    app, browser, live_url, world, tmp_path
):
    with app.app_context():
        forum = space(world, "forum_signed")
        started = service.start_discussion(
            person(world, "member"), forum, title="Бюджет участі", body="Почнімо."
        )
        service.reply(person(world, "outsider"), discussion(started.id), body="Ми теж.")
        service.reply(person(world, "expert"), discussion(started.id), body="Підкажу.")
        db.session.remove()
    page = sign_in(browser, live_url, world.users["moderator"])
    violations = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(f"/spaces/{world.spaces['forum_signed']}")
    page.get_by_role("link", name="Участь").click()
    expect(page.locator("h1")).to_have_text("Участь")
    expect(page.locator("figure.chart svg rect")).to_have_count(3)
    page.select_option("#group", label="Громада А")
    page.get_by_role("button", name="Показати").click()
    table = page.locator("table.participation")
    expect(table).to_contain_text("member")
    expect(table).to_contain_text("trainee")  # in the group, without a post
    expect(table).not_to_contain_text("outsider")
    page.screenshot(path=str(tmp_path / "participation.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Завантажити CSV").click()
    assert download.value.suggested_filename.startswith("participation-")
    with open(download.value.path(), "rb") as f:
        content = f.read().decode("utf-8")
    assert content.startswith("\ufeff") and "member;1;0;1" in content
    assert "outsider" not in content
    assert violations == []
