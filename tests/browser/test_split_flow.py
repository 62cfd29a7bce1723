"""A moderator splits a discussion from a reply in the browser; a member turns a kind of
notification off from the unsubscribe link of a mail, without signing in."""

from playwright.sync_api import expect

from cop.accounts.models import User
from cop.extensions import db
from cop.notifications.models import NotificationKind
from cop.notifications.unsubscribe import link
from tests.browser.test_forum_flow import sign_in


def test_a_moderator_splits_a_discussion_from_a_reply(browser, live_url, world, client, h):
    forum = world.spaces["forum_signed"]
    d = client.post(
        f"/api/v1/spaces/{forum}/discussions",
        headers=h["member"],
        json={"title": "Бюджет громади", "body": "З чого почати?"},
    ).get_json()
    for body in ("Про школу: ремонт даху", "Про дороги"):
        client.post(
            f"/api/v1/discussions/{d['id']}/posts", headers=h["expert"], json={"body": body}
        )
    moderator = sign_in(browser, live_url, world.users["space_moderator"])
    moderator.goto(f"/discussions/{d['id']}")
    school = moderator.locator("article.post", has_text="ремонт даху")
    school.get_by_role("link", name="Відокремити").click()
    moderator.fill("#title", "Ремонт школи")
    moderator.get_by_role("button", name="Відокремити").click()
    expect(moderator.locator("h1")).to_contain_text("Ремонт школи")
    expect(moderator.locator("article.post")).to_have_count(1)
    expect(moderator.locator("article.post")).to_contain_text("ремонт даху")
    moderator.goto(f"/discussions/{d['id']}")
    expect(moderator.locator("article.post")).to_have_count(2)
    expect(moderator.locator("main")).not_to_contain_text("ремонт даху")


def test_the_unsubscribe_link_works_without_signing_in(browser, app, live_url, world):
    with app.app_context(), app.test_request_context(base_url=live_url):
        member = db.session.get(User, world.users["member"].id)
        url = link(member, NotificationKind.REPLY)
    context = browser.new_context(locale="uk-UA")
    page = context.new_page()
    page.goto(url)
    expect(page.locator("main")).to_contain_text("Відповіді в тому, за чим я стежу")
    page.get_by_role("button", name="Відписатися").click()
    expect(page.locator(".flash-success")).to_contain_text("сповіщень цього виду більше не буде")
    profile = sign_in(browser, live_url, world.users["member"])
    profile.goto("/profile")
    expect(profile.locator('input[value="reply"]')).not_to_be_checked()
    expect(profile.locator('input[value="mention"]')).to_be_checked()
