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
from cop.discussions.models import Discussion, Post
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


def post_discussion(
    client, h, forum, title="Стратегія 2030", body="Чи є шаблон **SWOT**?", **extra
):
    return client.post(
        f"/api/v1/spaces/{forum}/discussions",
        headers=h["expert"],
        json={"title": title, "body": body, **extra},
    ).get_json()


# Mail goes out once a post's edit window (30 minutes) has passed.
EDITED = timedelta(minutes=31)


def run(app, now=None) -> int:
    """A mail pass at `now`, by default once the posts just written may no longer change."""
    with app.app_context():
        return deliver(now or utcnow() + EDITED)


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
    now = utcnow() + EDITED
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
        now, wait = utcnow() + EDITED, RETRY_AFTER
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
    post_discussion(client, h, forum, mail_now=True)
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0 and "Sent 1 emails." in result.output
    assert len(smtp.messages) == 1


def test_mail_queued_before_access_was_lost_is_not_sent(app, client, world, h, smtp):
    """Two experts of a group get mail as it comes; one is taken out of the group after
    the notification was written and before the mail run: only the other gets theirs, and
    the removed one's bell no longer counts it."""
    from cop.orgs.models import ExpertGroup

    room = world.spaces["expert_room"]
    with app.app_context():
        for name in ("expert", "trainee"):
            db.session.get(User, world.users[name].id).email_mode = EmailMode.IMMEDIATE
        group = db.session.scalar(db.select(ExpertGroup.id).where(ExpertGroup.name == "Група А"))
        db.session.commit()
    for name in ("expert", "trainee"):
        r = client.put(
            f"/api/v1/spaces/{room}/subscription", headers=h[name], json={"subscribed": True}
        )
        assert r.status_code == 200, r.get_json()
    r = client.post(
        f"/api/v1/spaces/{room}/discussions",
        headers=h["moderator"],
        json={"title": "Для групи", "body": "Лише для експертів групи."},
    )
    assert r.status_code == 201, r.get_json()
    assert client.get("/api/v1/notifications", headers=h["expert"]).get_json()["unread"] == 1
    members = {"member_ids": [world.users["trainee"].id]}
    r = client.patch(f"/api/v1/expert-groups/{group}", headers=h["admin"], json=members)
    assert r.status_code == 200, r.get_json()
    assert run(app) == 1
    [mail] = smtp.messages
    assert [a.addr_spec for a in mail["To"].addresses] == [world.users["trainee"].email]
    listed = client.get("/api/v1/notifications", headers=h["expert"]).get_json()
    assert (listed["total"], listed["unread"]) == (0, 0)
    assert run(app) == 0  # nor later


def first_post_id(client, h, discussion) -> int:
    posts = client.get(f"/api/v1/discussions/{discussion['id']}/posts", headers=h["expert"])
    return posts.get_json()["items"][0]["id"]


def test_mail_waits_for_the_edit_window_and_carries_the_edited_text(app, client, world, h, smtp):
    forum = setup(app, client, world, h)
    discussion = post_discussion(client, h, forum, body="Чернетка з помилкою")
    assert run(app, utcnow()) == 0  # the author may still change it
    # the bell does not wait: it links to the post as it is
    assert client.get("/api/v1/notifications", headers=h["member"]).get_json()["unread"] == 1
    edited = client.patch(
        f"/api/v1/posts/{first_post_id(client, h, discussion)}",
        headers=h["expert"],
        json={"body": "Виправлений текст"},
    )
    assert edited.status_code == 200
    assert run(app) == 1
    text = smtp.messages[0].get_body(("plain",)).get_content()
    assert "Виправлений текст" in text and "Чернетка" not in text


def test_send_now_mails_without_waiting(app, client, world, h, smtp):
    forum = setup(app, client, world, h)
    post_discussion(client, h, forum, "Терміново", mail_now=True)
    post_discussion(client, h, forum, "Не поспішаючи")
    assert run(app, utcnow()) == 1
    assert "Терміново" in smtp.messages[0]["Subject"]
    answer = client.post(
        f"/api/v1/discussions/{post_discussion(client, h, forum, 'Третя')['id']}/posts",
        headers=h["moderator"],
        json={"body": "Одразу", "mail_now": True},
    )
    assert answer.status_code == 201
    assert run(app, utcnow()) == 2  # to the member and to the expert, who started it
    assert all("Одразу" in m.get_body(("plain",)).get_content() for m in smtp.messages[1:])


def test_qanda_answers_reach_those_who_answered_once_they_may_read_them(
    app, client, world, h, smtp
):
    """Who gets a post is decided when it is mailed: an answer written before the
    reader's own reaches them once their own has left its edit window."""
    forum = world.spaces["forum_signed"]
    moderator = h["moderator"]
    patched = client.patch(
        f"/api/v1/spaces/{forum}/forum", headers=moderator, json={"forum_type": "qanda"}
    )
    assert patched.status_code == 200
    question = post_discussion(client, h, forum, "Питання", mail_now=True)
    posts = f"/api/v1/discussions/{question['id']}/posts"
    first = client.post(posts, headers=h["member"], json={"body": "Відповідь громади А"})
    second = client.post(posts, headers=h["outsider"], json={"body": "Відповідь громади Б"})
    assert first.status_code == second.status_code == 201
    now = utcnow()

    def age(post, minutes):
        with app.app_context():
            db.session.execute(
                update(Post)
                .where(Post.id == post.get_json()["id"])
                .values(created_at=now - timedelta(minutes=minutes))
            )
            db.session.commit()

    def mailed_to(name):
        return [m for m in smtp.messages if m["To"].addresses[0].display_name == name]

    age(first, 40)  # past its window: mailed to those who may read it
    age(second, 10)  # the outsider may not read the first answer yet
    run(app, now)

    def bell(name):
        items = client.get("/api/v1/notifications", headers=h[name]).get_json()["items"]
        return [n["post_id"] for n in items]

    assert first.get_json()["id"] not in bell("outsider")
    [mail] = mailed_to("expert")  # who asked sees every answer
    assert mail["Subject"] == "member відповідає в обговоренні «Питання»"
    assert mailed_to("outsider") == []
    age(second, 35)  # now they may, and may read each other's answers
    assert first.get_json()["id"] in bell("outsider")
    run(app, now + timedelta(minutes=6))
    assert [
        m.get_body(("plain",)).get_content().split("\n\n")[1] for m in mailed_to("outsider")
    ] == ["Відповідь громади А"]
    assert [m.get_body(("plain",)).get_content().split("\n\n")[1] for m in mailed_to("member")] == [
        "Відповідь громади Б"
    ]


def test_the_reply_form_offers_send_now(app, client, world, h, smtp, login_as):
    forum = setup(app, client, world, h)
    discussion = post_discussion(client, h, forum, "Форма")
    first = first_post_id(client, h, discussion)
    trainee = login_as(world.users["trainee"])
    page = trainee.get(f"/discussions/{discussion['id']}").get_data(as_text=True)
    assert 'name="mail_now"' in page
    assert "Надіслати сповіщення одразу" in page
    for body, now in (("Неспішна відповідь", None), ("Термінова відповідь", "y")):
        data = {"body": body, "idempotency_key": body, **({"mail_now": now} if now else {})}
        assert trainee.post(f"/posts/{first}/reply", data=data).status_code == 302
    run(app, utcnow())
    assert {m.get_body(("plain",)).get_content().split("\n\n")[1] for m in smtp.messages} == {
        "Термінова відповідь"
    }


def test_an_edit_may_send_now(app, client, world, h, smtp, login_as):
    forum = setup(app, client, world, h)
    discussion = post_discussion(client, h, forum, "Оголошення", body="Збори в п'ятницю")
    first = first_post_id(client, h, discussion)
    assert run(app, utcnow()) == 0
    moderator = login_as(world.users["moderator"])
    form = moderator.get(f"/posts/{first}/edit").get_data(as_text=True)
    assert 'name="mail_now"' in form
    edited = client.patch(
        f"/api/v1/posts/{first}",
        headers=h["moderator"],
        json={"body": "Збори в суботу", "mail_now": True},
    )
    assert edited.status_code == 200
    assert run(app, utcnow()) == 1
    assert "Збори в суботу" in smtp.messages[0].get_body(("plain",)).get_content()
