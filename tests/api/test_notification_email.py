"""Notifications by email, through a real SMTP server on loopback (aiosmtpd): each one
as it comes, a daily digest, or none, in the reader's language."""

import socket
from datetime import datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update

from cop.accounts.models import EmailMode, User
from cop.db import utcnow
from cop.discussions.models import Discussion
from cop.extensions import db
from cop.notifications.delivery import MAIL_TRIES, RETRY_AFTER, deliver
from cop.notifications.models import Notification


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, _server, _session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy.default))
        return "250 OK"


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config["COP_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    yield inbox
    controller.stop()


def setup(app, client, world, h, mode=EmailMode.IMMEDIATE, locale="uk"):
    with app.app_context():
        member = db.session.get(User, world.users["member"].id)
        member.email_mode, member.locale = mode, locale
        db.session.commit()
    forum = world.spaces["forum_signed"]
    client.put(
        f"/api/v1/spaces/{forum}/subscription", headers=h["member"], json={"subscribed": True}
    )
    return forum


def post_discussion(client, h, forum, title="Стратегія 2030", body="Чи є шаблон **SWOT**?"):
    return client.post(
        f"/api/v1/spaces/{forum}/discussions",
        headers=h["expert"],
        json={"title": title, "body": body},
    ).get_json()


def run(app, now=None) -> int:
    with app.app_context():
        return deliver(now)


def test_each_notification_is_emailed_once_in_the_readers_language(app, client, world, h, smtp):
    forum = setup(app, client, world, h, locale="en")
    post_discussion(client, h, forum)
    assert run(app) == 1
    assert run(app) == 0  # never twice
    [mail] = smtp.messages
    [to] = mail["To"].addresses
    assert (to.display_name, to.addr_spec) == ("member", world.users["member"].email)
    assert mail["Subject"] == "expert started “Стратегія 2030”"
    text = mail.get_body(("plain",)).get_content()
    assert "Чи є шаблон **SWOT**?" in text
    assert f"{app.config['COP_BASE_URL']}/notifications/" in text  # opens the post, reads it
    assert "Choose how you get these emails" in text


def test_notifications_read_in_the_app_or_no_longer_visible_are_not_emailed(
    app, client, world, h, smtp
):
    forum = setup(app, client, world, h)
    post_discussion(client, h, forum, "Прочитане")
    client.post("/api/v1/notifications/read", headers=h["member"], json={})
    hidden = post_discussion(client, h, forum, "Приховане")
    with app.app_context():
        post_id = db.session.scalar(
            db.select(Notification.post_id).where(Notification.discussion_id == hidden["id"])
        )
    client.put(f"/api/v1/posts/{post_id}/hidden", headers=h["moderator"])
    assert run(app) == 0 and smtp.messages == []


def test_people_who_chose_no_email_get_none(app, client, world, h, smtp):
    forum = setup(app, client, world, h, mode=EmailMode.OFF)
    post_discussion(client, h, forum)
    assert run(app) == 0 and smtp.messages == []
    assert client.get("/api/v1/notifications", headers=h["member"]).get_json()["unread"] == 1


def test_the_daily_digest_comes_once_a_day_at_the_digest_hour(app, client, world, h, smtp):
    forum = setup(app, client, world, h, mode=EmailMode.DIGEST)
    post_discussion(client, h, forum, "Перша")
    post_discussion(client, h, forum, "Друга")
    kyiv_six = datetime.fromisoformat("2030-03-04T06:00:00+02:00")  # before 07:00 Kyiv time
    assert run(app, kyiv_six) == 0
    assert run(app, kyiv_six + timedelta(hours=1)) == 1
    [digest] = smtp.messages
    assert digest["Subject"] == "Ваш щоденний дайджест: нових — 2"
    text = digest.get_body(("plain",)).get_content()
    assert "Перша" in text and "Друга" in text
    post_discussion(client, h, forum, "Третя")
    assert run(app, kyiv_six + timedelta(hours=5)) == 0  # already had today's
    assert run(app, kyiv_six + timedelta(days=1, hours=1)) == 1
    assert "Третя" in smtp.messages[1].get_body(("plain",)).get_content()


def test_when_the_smtp_server_is_away_the_mail_waits_a_while(app, client, world, h, smtp):
    forum = setup(app, client, world, h)
    post_discussion(client, h, forum)
    working = app.config["COP_SMTP_URL"]
    app.config["COP_SMTP_URL"] = "smtp://127.0.0.1:1"  # nothing listens there
    now = utcnow()
    assert run(app, now) == 0
    app.config["COP_SMTP_URL"] = working
    assert run(app, now + RETRY_AFTER / 2) == 0  # not yet
    assert run(app, now + RETRY_AFTER) == 1 and len(smtp.messages) == 1


class Refusing:
    """An SMTP server that takes the envelope and then refuses every message."""

    def __init__(self):
        self.refused = 0

    async def handle_DATA(self, _server, _session, _envelope):
        self.refused += 1
        return "554 Transaction failed"


def test_a_refused_mail_is_tried_a_few_times_then_given_up(app, client, world, h, caplog):
    forum = setup(app, client, world, h)
    post_discussion(client, h, forum)
    server = Refusing()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config["COP_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
        now, wait = utcnow(), RETRY_AFTER
        for _ in range(MAIL_TRIES):
            assert run(app, now) == 0
            now += wait
            wait *= 2
        for days in (1, 30):
            assert run(app, now + timedelta(days=days)) == 0
    finally:
        controller.stop()
    assert server.refused == MAIL_TRIES
    assert "gave up mailing notification" in caplog.text
    assert f"after {MAIL_TRIES} tries" in caplog.text


def test_line_breaks_in_titles_and_names_stay_out_of_the_headers(app, client, world, h, smtp):
    forum = setup(app, client, world, h, locale="en")
    discussion = post_discussion(client, h, forum)
    with app.app_context():
        db.session.execute(
            update(Discussion)
            .where(Discussion.id == discussion["id"])
            .values(title="Стратегія\r\nBcc: victim@example.com")
        )
        for name, display_name in (("expert", "Ольга\nКовальчук"), ("member", "Іван\r\nПетренко")):
            db.session.get(User, world.users[name].id).display_name = display_name
        db.session.commit()
    assert run(app) == 1
    [mail] = smtp.messages
    assert mail["Subject"] == "Ольга Ковальчук started “Стратегія Bcc: victim@example.com”"
    assert mail["Bcc"] is None
    assert mail["To"].addresses[0].display_name == "Іван Петренко"
    assert run(app) == 0


def test_send_mail_command_delivers(app, client, world, h, smtp):
    forum = setup(app, client, world, h)
    post_discussion(client, h, forum)
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0 and "Sent 1 emails." in result.output
    assert len(smtp.messages) == 1
