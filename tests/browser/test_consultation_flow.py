"""A consultation from question to knowledge base, as people click through it: a committee
member asks, the expert takes it on and answers, the member rates the answer and agrees
to anonymised publishing, the expert publishes it, and a member of another community
reads the published copy without learning who asked."""

import re

from playwright.sync_api import expect

from tests.browser.test_forum_flow import sign_in


def test_a_question_travels_from_the_committee_to_the_knowledge_base(
    browser, live_url, world, tmp_path
):
    member = sign_in(browser, live_url, world.users["member"])
    member.goto("/consultations")
    member.get_by_role("link", name="Запитати експертів").click()
    member.fill("#title", "Як провести SWOT-аналіз у Громаді А?")
    member.fill("#body", "Громада А вперше готує стратегію. З чого почати **SWOT**?")
    member.get_by_role("button", name="Надіслати запитання").click()
    expect(member.locator(".flash-success")).to_contain_text("Ваше запитання передано експертам.")
    consultation_url = member.url

    expert = sign_in(browser, live_url, world.users["expert"])
    expert.goto("/consultations")
    expert.get_by_role("link", name="Як провести SWOT-аналіз у Громаді А?").click()
    expert.get_by_role("button", name="Взяти в роботу").first.click()
    expect(expert.locator(".meta .tag").first).to_have_text("Призначена")
    expert.fill("#body", "Почніть із профілю громади, а потім зберіть комітет на сесію.")
    expert.get_by_role("button", name="Надіслати відповідь").click()
    expect(expert.locator(".meta .tag").first).to_have_text("Є відповідь")

    member.goto(consultation_url)
    expect(member.locator(".thread")).to_contain_text("Почніть із профілю громади")
    member.locator("fieldset.rating label", has_text="5").click()
    member.fill("#comment", "Дуже допомогло!")
    member.get_by_role("button", name="Позначити вирішеною").click()
    expect(member.locator(".rating-given")).to_contain_text("5 з 5")
    member.get_by_label("Можна публікувати знеособлено").check()
    member.locator("section.knowledge-base").get_by_role("button", name="Зберегти").click()
    expect(member.locator(".flash-success")).to_contain_text("Можна публікувати знеособлено")

    expert.goto(consultation_url)
    expect(expert.get_by_label(re.compile("Знеособити"))).to_be_checked()
    expert.screenshot(path=str(tmp_path / "expert-publishes.png"), full_page=True)
    expert.get_by_role("button", name="Опублікувати в базі знань").click()
    expect(expert.locator(".flash-success")).to_contain_text("Опубліковано в базі знань.")
    expect(expert.locator("h1")).to_contain_text("Як провести SWOT-аналіз у [громада]?")
    expect(expert.get_by_role("link", name="оригінал")).to_be_visible()

    outsider = sign_in(browser, live_url, world.users["outsider"])
    outsider.goto("/spaces")
    outsider.get_by_role("link", name="База знань: консультації").click()
    outsider.get_by_role("link", name="Як провести SWOT-аналіз у [громада]?").click()
    body = outsider.locator("main")
    expect(body).to_contain_text("[громада] вперше готує стратегію")
    expect(body).to_contain_text("Почніть із профілю громади")
    expect(body).to_contain_text("Комітет громади")
    expect(body).not_to_contain_text("Громада А")
    expect(body).not_to_contain_text("member")
    expect(outsider.get_by_role("link", name="оригінал")).to_have_count(0)
    outsider.screenshot(path=str(tmp_path / "outsider-reads-copy.png"), full_page=True)
    # the original stays the committee's and its experts'
    assert outsider.goto(consultation_url).status == 404
