"""A committee member starts a discussion, an expert replies from another browser, and
the member sees the unread marker and the notification."""

import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD


def sign_in(browser, base, user):
    context = browser.new_context(base_url=base, locale="uk-UA")
    page = context.new_page()
    page.goto("/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("header")).to_contain_text(user.display_name)
    return page


def test_member_sees_the_experts_reply_as_unread_and_in_the_bell(
    browser, live_url, world, tmp_path
):
    forum = world.spaces["forum_signed"]
    member = sign_in(browser, live_url, world.users["member"])
    member.goto(f"/spaces/{forum}")
    member.get_by_role("link", name="Розпочати обговорення").click()
    member.fill("#title", "Як залучити молодь до стратегії?")
    member.fill("#body", "Шукаємо **досвід** інших громад.")
    member.get_by_role("button", name="Розпочати обговорення").click()
    expect(member.locator("h1")).to_contain_text("Як залучити молодь до стратегії?")
    expect(member.locator(".post-body strong")).to_have_text("досвід")

    expert = sign_in(browser, live_url, world.users["expert"])
    expert.goto(f"/spaces/{forum}")
    expert.get_by_role("link", name="Як залучити молодь до стратегії?").click()
    expert.fill("#body", "Через шкільне самоврядування й молодіжну раду.")
    expert.get_by_role("button", name="Надіслати відповідь").click()
    expect(expert.locator("article.post")).to_have_count(2)

    member.goto(f"/spaces/{forum}")
    row = member.locator("table.discussions tr", has_text="Як залучити молодь")
    expect(row.locator(".badge")).to_have_text("1")
    bell = member.locator("a.bell")
    expect(bell.locator(".badge")).to_have_text("1")
    expect(bell).to_have_attribute("aria-label", "Сповіщення, непрочитаних: 1")
    bell.click()
    note = member.get_by_role("link", name=re.compile("відповідає в обговоренні"))
    expect(note).to_contain_text("«Як залучити молодь до стратегії?»")
    member.screenshot(path=str(tmp_path / "notifications.png"), full_page=True)
    note.click()
    reply = member.locator("article.post.unread")
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("Через шкільне самоврядування")
    expect(reply.locator(".badge")).to_have_text("нове")
    member.screenshot(path=str(tmp_path / "member-sees-reply.png"), full_page=True)
    # read now: the bell and the forum list are quiet again
    member.goto(f"/spaces/{forum}")
    expect(member.locator("a.bell .badge")).to_have_count(0)
    expect(row.locator(".badge")).to_have_count(0)
