"""The composer in a browser: the toolbar types the Markdown (by keyboard too), the
"Перегляд" tab shows the server's rendering under the page's CSP, a draft survives a
closed tab and goes once the reply is posted."""

from playwright.sync_api import expect

from tests.browser.test_forum_flow import sign_in


def test_a_reply_is_formatted_previewed_kept_as_a_draft_and_posted(browser, live_url, world):
    page = sign_in(browser, live_url, world.users["member"])
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"/spaces/{world.spaces['forum_signed']}/discussions/new")
    page.fill("#title", "Бюджет участі")
    page.fill("#body", "Перший допис")
    page.get_by_role("button", name="Розпочати обговорення").click()
    expect(page.locator("h1")).to_contain_text("Бюджет участі")
    discussion = page.url
    # The toolbar shows once composer.js has set the field up (its shortcuts with it): on a
    # busy machine the page can be typed into before that.
    expect(page.get_by_role("button", name="Список")).to_be_visible()

    body = page.locator("#body")
    body.fill("Збір пропозицій ")
    body.press("End")
    body.press("Control+b")  # the shortcut types the marks around a placeholder
    page.keyboard.type("до п’ятниці")
    page.get_by_role("button", name="Список").click()
    expect(body).to_have_value("- Збір пропозицій **до п’ятниці**")

    page.get_by_role("tab", name="Перегляд").click()
    preview = page.locator(".composer-preview")
    expect(preview.locator("li strong")).to_have_text("до п’ятниці")
    expect(body).to_be_hidden()
    page.get_by_role("tab", name="Перегляд").press("ArrowLeft")
    expect(page.get_by_role("tab", name="Писати")).to_be_focused()
    expect(body).to_be_visible()

    page.wait_for_timeout(600)  # the draft is saved a moment after typing stops
    page.context.new_page()
    page.close()  # the tab is closed without sending
    again = page.context.pages[0]
    again.goto(discussion)
    expect(again.locator("#body")).to_have_value("- Збір пропозицій **до п’ятниці**")
    expect(again.locator(".composer-draft")).to_be_visible()
    again.get_by_role("button", name="Надіслати відповідь").click()
    expect(again.locator("article.post")).to_have_count(2)
    expect(again.locator("article.post li strong")).to_have_text("до п’ятниці")
    again.reload()
    expect(again.locator("#body")).to_have_value("")
    expect(again.locator(".composer-draft")).to_be_hidden()
    assert not errors, errors
