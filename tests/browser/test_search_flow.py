"""Issue 7's scenario: a committee member of community B searches, in their own words, for
how another community wrote its strategic plan, and finds community A's consultation as
published in the knowledge base, but nothing from an expert room and not the
consultation itself (it stays with community A's committee and the experts)."""

import re

from playwright.sync_api import expect

from cop.discussions import service
from tests.api.test_consultations_api import API, moved, open_, posted
from tests.api.test_knowledge_base import published
from tests.browser.test_forum_flow import sign_in
from tests.search.helpers import discussion, person, space

TITLE = "Стратегічний план розвитку громади"


def test_a_member_of_b_finds_the_published_consultation_of_a_and_nothing_from_an_expert_room(
    app, client, h, browser, live_url, world, tmp_path
):
    asked = open_(
        client,
        h["member"],
        title=TITLE,
        body="Як нам написати стратегічний план громади на 2027–2030 роки?",
    )
    posted(client, h["expert"], asked["id"], body="Почніть з профілю та SWOT-аналізу.")
    moved(client, h["member"], asked["id"], "resolved", rating=5)
    consent = client.patch(
        f"{API}/{asked['id']}", headers=h["member"], json={"publish_consent": "full"}
    )
    assert consent.status_code == 200, consent.get_json()
    assert published(client, h["expert"], asked["id"])["published_discussion_id"]
    with app.app_context():
        service.start_discussion(
            person(world, "expert"),
            space(world, "expert_room"),
            title="Нотатки експертів про стратегічний план громади",
            body="Стратегічний план громади А поки слабкий.",
        )

    outsider = sign_in(browser, live_url, world.users["outsider"])
    outsider.get_by_role("link", name="Пошук").click()
    outsider.get_by_label("Що шукати").fill("стратегічний план громади")
    outsider.get_by_role("button", name="Пошук").click()
    # One hit: the knowledge-base copy, not the consultation it was published from.
    expect(outsider.get_by_text("Результатів: 1 (по одному на обговорення)")).to_be_visible()
    result = outsider.get_by_role("link", name=TITLE)
    expect(result).to_be_visible()
    expect(result).to_have_attribute("href", re.compile(r"^/posts/\d+$"))  # not the desk
    expect(outsider.locator(".snippet mark").first).to_be_visible()
    expect(outsider.locator("main")).not_to_contain_text("Нотатки експертів")
    outsider.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    result.click()
    expect(outsider.locator("h1")).to_contain_text(TITLE)


def test_each_discussion_is_found_once_with_plain_snippets(browser, live_url, world, app):
    with app.app_context():
        member, expert = person(world, "member"), person(world, "expert")
        started = service.start_discussion(
            member,
            space(world, "forum_public"),
            title="Громадські слухання щодо бюджету",
            body="**Громадські слухання** пройшли:\n\n1. у трьох селах;\n2. онлайн.",
        )
        started_id = started.id
        for body in ("На громадських слуханнях було 12 людей.", "Громадські слухання — у квітні."):
            service.reply(expert, discussion(started_id), body=body)
        service.start_discussion(
            expert, space(world, "forum_public"), title="Положення", body="Громадські слухання."
        )
    page = sign_in(browser, live_url, world.users["outsider"])
    page.get_by_role("link", name="Пошук").click()
    page.get_by_label("Що шукати").fill("громадські слухання")
    page.get_by_role("button", name="Пошук").click()
    expect(page.get_by_text("Результатів: 2 (по одному на обговорення)")).to_be_visible()
    assert sorted(page.locator(".hits > li > h3").all_inner_texts()) == [
        "Громадські слухання щодо бюджету",
        "Положення",
    ]
    snippets = page.locator(".hits .snippet").all_inner_texts()
    assert len(snippets) == 4 and not any("**" in s or "1." in s for s in snippets)
    expect(page.locator(".hits .snippet mark").first).to_be_visible()
