"""Issue 16, tried as an attacker would: a moderator removes an expert from their expert
group while the expert has a discussion of the group's room open. The expert's page hears
nothing more from it, and their bell stops counting what they can no longer open."""

from playwright.sync_api import expect
from sqlalchemy import select

from cop.extensions import db
from cop.orgs.models import ExpertGroup
from tests.browser.test_forum_flow import sign_in


def test_removed_from_the_group_the_open_page_hears_nothing_more(
    app, browser, live_url, world, h, client
):
    room = world.spaces["expert_room"]
    with app.app_context():
        group = db.session.scalar(select(ExpertGroup.id).where(ExpertGroup.name == "Група А"))

    def start(title: str) -> int:
        r = client.post(
            f"/api/v1/spaces/{room}/discussions",
            headers=h["expert"],
            json={"title": title, "body": "Що скажете?"},
        )
        assert r.status_code == 201
        return r.get_json()["id"]

    def reply(discussion_id: int, body: str) -> None:
        r = client.post(
            f"/api/v1/discussions/{discussion_id}/posts", headers=h["trainee"], json={"body": body}
        )
        assert r.status_code == 201

    opened, other = start("План навчання на осінь"), start("Звіт за квартал")
    reply(other, "Чернетку додано.")  # the expert's bell: 1

    expert = sign_in(browser, live_url, world.users["expert"])
    expect(expert.locator("header .bell .badge")).to_have_text("1")
    expert.goto(f"/discussions/{opened}")
    watching = expert.locator("#new-replies")
    expect(watching).to_have_attribute("data-watching", "yes")

    moderator = sign_in(browser, live_url, world.users["moderator"])
    witness = moderator.context.new_page()
    witness.goto(f"/discussions/{opened}")
    expect(witness.locator("#new-replies")).to_have_attribute("data-watching", "yes")

    moderator.goto(f"/admin/expert-groups/{group}")
    moderator.get_by_label(f"expert <{world.users['expert'].email}>").uncheck()
    moderator.locator("main form button[type=submit]").click()
    expect(moderator.locator(".flash-success")).to_have_text("Збережено.")
    expect(watching).to_have_attribute("data-watching", "no")

    reply(opened, "Пропоную почати з бюджету.")
    # The same send reaches the moderator's page: by then the expert's was decided.
    expect(witness.locator("#new-replies")).to_contain_text("Нові відповіді: 1")
    expect(watching).to_be_hidden()

    expert.goto("/")
    expect(expert.locator("header .bell")).to_be_visible()
    expect(expert.locator("header .bell .badge")).to_have_count(0)
    assert expert.goto(f"/discussions/{opened}").status == 404
