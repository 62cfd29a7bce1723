"""As a member: star a discussion, find it under "Starred only", open the author's
profile from their name, and download one's data from the profile page."""

import json
import zipfile

from playwright.sync_api import expect

from tests.browser.test_forum_flow import sign_in


def test_member_stars_opens_a_profile_and_downloads_their_data(browser, live_url, world, tmp_path):
    forum = world.spaces["forum_signed"]
    expert = sign_in(browser, live_url, world.users["expert"])
    expert.goto(f"/spaces/{forum}")
    expert.get_by_role("link", name="Розпочати обговорення").click()
    expert.fill("#title", "Стратегія розвитку громади")
    expert.fill("#body", "Пропоную почати з аналізу, @member1.")
    expert.get_by_role("button", name="Розпочати обговорення").click()
    expect(expert.locator("h1")).to_contain_text("Стратегія розвитку громади")

    member = sign_in(browser, live_url, world.users["member"])
    member.goto(f"/spaces/{forum}")
    member.get_by_role("link", name="Стратегія розвитку громади").click()
    member.get_by_role("button", name="☆ Позначити зірочкою").click()
    expect(member.get_by_role("button", name="★ Зняти зірочку")).to_be_visible()
    member.goto(f"/spaces/{forum}")
    member.get_by_role("link", name="Лише позначені").click()
    expect(member.locator("main li")).to_contain_text(["Стратегія розвитку громади"])

    member.get_by_role("link", name="Стратегія розвитку громади").click()
    member.locator("article.post header").get_by_role("link", name="expert").click()
    expect(member.locator("h1")).to_have_text("expert")
    expect(member.locator("main")).to_contain_text("Стратегія розвитку громади")

    member.goto("/profile")
    with member.expect_download() as info:
        member.get_by_role("link", name="Завантажити мої дані").click()
    saved = tmp_path / "data.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == world.users["member"].email
    assert data["starred_discussions"][0]["discussion_id"]
