"""An expert opens the monthly figures from the desk, picks a period and a breakdown, and
downloads the CSV; the chart draws under the strict CSP without a single violation."""

from playwright.sync_api import expect

from tests.browser.test_forum_flow import sign_in
from tests.figures_data import add_communities, build_figures_world


def test_an_expert_reads_the_figures_and_downloads_them(app, browser, live_url, world, tmp_path):
    with app.app_context():
        build_figures_world(world)
        add_communities(world, 3)
    page = sign_in(browser, live_url, world.users["moderator"])
    violations = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto("/consultations")
    page.get_by_role("link", name="Показники за місяцями").click()
    expect(page.locator("h1")).to_have_text("Показники консультацій")
    page.fill("#first", "2025-10")
    page.fill("#last", "2026-03")
    page.select_option("#by", "community")
    page.get_by_role("button", name="Показати").click()
    expect(page.locator("h2.period")).to_have_text("жовтень 2025 – березень 2026")
    expect(page.locator("figure.chart svg rect.bar-opened")).to_have_count(6)
    expect(page.locator("table.figures").first).to_contain_text("Громада В")
    page.screenshot(path=str(tmp_path / "figures.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Завантажити CSV").click()
    assert download.value.suggested_filename == "consultations-2025-10-2026-03-community.csv"
    saved = download.value.path()
    with open(saved, "rb") as f:
        assert f.read(3) == b"\xef\xbb\xbf"
    assert violations == []
