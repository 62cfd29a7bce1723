"""A committee member searches, in their own words, for what another community wrote, and
finds the public discussion but nothing from an expert room."""

from playwright.sync_api import expect

from cop.discussions import service
from tests.browser.test_forum_flow import sign_in
from tests.search.helpers import person, space


def test_member_finds_the_public_discussion_and_nothing_from_an_expert_room(
    app, browser, live_url, world, tmp_path
):
    with app.app_context():
        service.start_discussion(
            person(world, "outsider"),
            space(world, "forum_public"),
            title="Як ми писали стратегію розвитку",
            body="Стратегічні плани громад варто починати з профілю громади та SWOT.",
        )
        service.start_discussion(
            person(world, "expert"),
            space(world, "expert_room"),
            title="Нотатки експертів про стратегічний план громади",
            body="Стратегічний план громади А поки слабкий.",
        )
    member = sign_in(browser, live_url, world.users["member"])
    member.get_by_role("link", name="Пошук").click()
    member.get_by_label("Що шукати").fill("стратегічний план громади")
    member.get_by_role("button", name="Пошук").click()
    expect(member.get_by_text("Знайдено: 1")).to_be_visible()
    result = member.get_by_role("link", name="Як ми писали стратегію розвитку")
    expect(result).to_be_visible()
    expect(member.locator(".snippet mark").first).to_be_visible()
    expect(member.locator("main")).not_to_contain_text("Нотатки експертів")
    expect(member.locator("main")).not_to_contain_text("Кімната Zorya")
    member.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    result.click()
    expect(member.locator("h1")).to_contain_text("Як ми писали стратегію розвитку")
