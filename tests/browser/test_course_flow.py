"""An expert writes and publishes a module; a committee member opens it, discusses it in
its forum and marks it completed; the expert sees the progress change."""

from playwright.sync_api import expect

from tests.browser.test_forum_flow import sign_in


def test_expert_publishes_member_completes_expert_sees_progress(browser, live_url, world, tmp_path):
    course = world.spaces["course"]
    expert = sign_in(browser, live_url, world.users["expert"])
    expert.goto(f"/courses/{course}/progress")
    expect(expert.locator("main")).to_contain_text("Опублікованих модулів ще немає.")
    expert.goto(f"/courses/{course}")
    expert.get_by_role("link", name="Новий модуль").click()
    expert.fill("#title", "Аналіз громади і SWOT")
    expert.fill("#body", "Зберіть **профіль громади**, потім заповніть матрицю SWOT.")
    expert.fill("#minutes", "60")
    expert.select_option("#forum_type", "qanda")
    expert.get_by_role("button", name="Зберегти як чернетку").click()
    expect(expert.locator(".tag-draft")).to_have_text("Чернетка")
    expert.get_by_role("button", name="Опублікувати").click()
    expect(expert.locator(".flash")).to_contain_text("Модуль опубліковано.")

    member = sign_in(browser, live_url, world.users["member"])
    member.goto(f"/courses/{course}")
    expect(member.locator(".progress-text")).to_contain_text("Завершено модулів: 0 з 1")
    member.get_by_role("link", name="Аналіз громади і SWOT").first.click()
    expect(member.locator(".module-body strong")).to_have_text("профіль громади")
    member.get_by_role("link", name="Перейти до форуму модуля").click()
    member.get_by_role("link", name="Розпочати обговорення").click()
    member.fill("#title", "Наша матриця SWOT")
    member.fill("#body", "Сильна сторона: активна молодь.")
    member.get_by_role("button", name="Розпочати обговорення").click()
    expect(member.locator("h1")).to_contain_text("Наша матриця SWOT")
    member.goto(f"/courses/{course}")
    expect(member.locator("main")).to_contain_text("Наша матриця SWOT")  # recent discussion
    member.get_by_role("link", name="Аналіз громади і SWOT").first.click()
    member.get_by_role("button", name="Позначити як завершений").click()
    expect(member.locator(".tag-done")).to_have_text("Завершено")
    member.goto(f"/courses/{course}")
    expect(member.locator(".progress-text")).to_contain_text("Завершено модулів: 1 з 1 (100%)")
    member.screenshot(path=str(tmp_path / "member-course.png"), full_page=True)

    expert.goto(f"/courses/{course}/progress")
    row = expert.locator("table.progress-table tr", has_text="member")
    expect(row.locator("td.done")).to_have_count(1)
    expect(row).to_contain_text("1 / 1")
    expert.screenshot(path=str(tmp_path / "expert-progress.png"), full_page=True)
