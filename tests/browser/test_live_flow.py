"""Two people on a live session page: one asks, the other sees the question appear and
upvotes it, and the first sees the count change; an open discussion page hears about a
new reply."""

from playwright.sync_api import expect

from tests.browser.test_forum_flow import sign_in


def test_a_question_and_its_vote_reach_the_other_page(browser, live_url, world, live):
    asker = sign_in(browser, live_url, world.users["member"])
    voter = sign_in(browser, live_url, world.users["outsider"])
    for page in (asker, voter):
        page.goto(f"/live/{live}")
        expect(page.locator("#live-connection")).to_have_text("З’єднано: зміни з’являються одразу.")
    expect(asker.locator("#live-presence")).to_have_text("2")

    asker.fill("#live-ask-text", "Як провести громадські слухання онлайн?")
    asker.get_by_role("button", name="Запитати", exact=True).click()
    question = voter.locator(".live-q", has_text="Як провести громадські слухання онлайн?")
    expect(question).to_be_visible()
    expect(question.locator(".live-author")).to_have_text("member")

    question.locator(".live-vote").click()
    expect(question.locator(".live-vote")).to_have_attribute("aria-pressed", "true")
    mine = asker.locator(".live-q", has_text="Як провести громадські слухання онлайн?")
    expect(mine.locator(".live-count")).to_have_text("1")


def test_an_open_discussion_page_hears_about_new_replies(browser, live_url, world, h, client):
    forum = world.spaces["forum_signed"]
    started = client.post(
        f"/api/v1/spaces/{forum}/discussions",
        headers=h["member"],
        json={"title": "Молодіжна рада", "body": "Як її зібрати?"},
    ).get_json()
    reader = sign_in(browser, live_url, world.users["member"])
    reader.goto(f"/discussions/{started['id']}")
    expect(reader.locator("#new-replies")).to_have_attribute("data-watching", "yes")
    reply = client.post(
        f"/api/v1/discussions/{started['id']}/posts",
        headers=h["expert"],
        json={"body": "Через школи та ЦНАП."},
    )
    assert reply.status_code == 201
    banner = reader.locator("#new-replies")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Нові відповіді: 1")
    banner.locator("a").click()
    expect(reader.locator("article.post")).to_have_count(2)


def test_the_presenter_view_shows_anonymous_questions_as_anonymous_even_to_hosts(
    app, browser, live_url, world, live
):
    from cop.accounts.models import User
    from cop.extensions import db
    from cop.live import service
    from cop.live.models import LiveSession

    def ask(text: str) -> None:
        with app.app_context():
            member = db.session.get(User, world.users["member"].id)
            service.ask(member, db.session.get(LiveSession, live), text, anonymous=True)

    ask("Хто відповідає за бюджет участі?")
    host = sign_in(browser, live_url, world.users["expert"])
    host.goto(f"/live/{live}")
    first = host.locator(".live-q", has_text="Хто відповідає за бюджет участі?")
    expect(first.locator(".live-author")).to_have_text("member")  # hosts may know
    host.goto(f"/live/{live}/present")
    projected = host.locator(".live-q", has_text="Хто відповідає за бюджет участі?")
    expect(projected.locator(".live-author")).to_have_text("анонімно")
    ask("Коли звіт?")
    later = host.locator(".live-q", has_text="Коли звіт?")
    expect(later.locator(".live-author")).to_have_text("анонімно")
    expect(host.locator("#live")).not_to_contain_text("member")


def test_a_moderator_sees_their_approval_at_once(app, browser, live_url, world, session_factory):
    from cop.accounts.models import User
    from cop.extensions import db
    from cop.live import service
    from cop.live.models import LiveSession

    session_id = session_factory(moderated=True)
    with app.app_context():
        session = db.session.get(LiveSession, session_id)
        session.status = "live"
        member = db.session.get(User, world.users["member"].id)
        for text in ("Де взяти кошти на укриття?", "Хто веде протокол?"):
            service.ask(member, session, text)
        db.session.commit()
    moderator = sign_in(browser, live_url, world.users["expert"])
    moderator.goto(f"/live/{session_id}")
    first = moderator.locator(".live-q", has_text="Де взяти кошти на укриття?")
    expect(first).to_have_class("live-q live-q-pending")
    first.get_by_role("button", name="Схвалити").click()
    expect(first).not_to_have_class("live-q live-q-pending")
    expect(first.locator(".tag")).to_have_count(0)
    expect(first.get_by_role("button", name="Схвалити")).to_have_count(0)
    second = moderator.locator(".live-q", has_text="Хто веде протокол?")
    expect(second.get_by_role("button", name="Схвалити")).to_be_focused()


def test_a_question_the_busy_server_refused_is_sent_again_and_asked_once(
    app, browser, live_url, world, live
):
    """Another process holds the database's write lock past the server's bound (SQLite: a
    503 for the ask, so the page sends it again after the Retry-After; PostgreSQL: a table
    lock the ask waits for). The page shows the question pending, then sent, and the other
    page gets it once."""
    from sqlalchemy import create_engine, text

    from tests.faults.infra import WriteLock

    asker = sign_in(browser, live_url, world.users["member"])
    other = sign_in(browser, live_url, world.users["outsider"])
    for page in (asker, other):
        page.goto(f"/live/{live}")
        expect(page.locator("#live-connection")).to_have_text("З’єднано: зміни з’являються одразу.")

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        lock = WriteLock(uri.removeprefix("sqlite:///"), 3)
    else:
        engine = create_engine(uri)
        holder = engine.connect()
        holder.execute(text("LOCK TABLE live_question IN ACCESS EXCLUSIVE MODE"))
    try:
        asker.fill("#live-ask-text", "Чи буде запис вебінару?")
        asker.get_by_role("button", name="Запитати", exact=True).click()
        expect(asker.locator("#live-connection")).to_have_text("Запитання надсилається…")
        if uri.startswith("sqlite"):
            expect(asker.locator("#live-error")).to_contain_text("Спробуйте", timeout=10_000)
    finally:
        if uri.startswith("sqlite"):
            lock.wait()
        else:
            holder.rollback()
            holder.close()
            engine.dispose()
    expect(asker.locator("#live-connection")).to_have_text(
        "Ваше запитання надіслано.", timeout=15_000
    )
    expect(asker.locator("#live-ask-text")).to_have_value("")
    questions = other.locator(".live-q", has_text="Чи буде запис вебінару?")
    expect(questions).to_have_count(1)
    other.reload()
    expect(other.locator(".live-q", has_text="Чи буде запис вебінару?")).to_have_count(1)
