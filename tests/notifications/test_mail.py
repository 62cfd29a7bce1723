"""Notification mail as a person gets it, through a real SMTP server on loopback:
plain text and HTML in the platform's look, and a one-click unsubscribe link that works
without signing in (RFC 8058) and turns that kind off."""

from urllib.parse import urlsplit

from sqlalchemy import delete, update

from cop.accounts.models import EmailMode, User
from cop.db import utcnow
from cop.extensions import db
from cop.notifications.delivery import deliver
from cop.orgs.models import CommitteeMembership
from tests.api.test_notification_email import EDITED

API = "/api/v1"


def run(app) -> int:
    """A mail pass once the posts just written may no longer change."""
    with app.app_context():
        return deliver(utcnow() + EDITED)


def to(smtp, world, name="member", about="чекає на вашу реакцію") -> list:
    """The mails to one person (about the consultation awaiting its committee, by default:
    its author also hears of the reply itself, as a follower of the discussion)."""
    address = world.users[name].email
    return [
        m
        for m in smtp.messages
        if m["To"].addresses[0].addr_spec == address and (about in m["Subject"])
    ]


def answered_consultation(client, h) -> int:
    c = client.post(
        f"{API}/consultations", headers=h["member"], json={"title": "Як?", "body": "Питання."}
    ).get_json()
    response = client.post(
        f"{API}/consultations/{c['id']}/posts", headers=h["expert"], json={"body": "Так."}
    )
    assert response.status_code == 201
    return c["id"]


def one_click_path(mail) -> str:
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail["List-Unsubscribe"].strip().strip("<>")
    assert url.startswith("http")
    return urlsplit(url).path


def test_a_workflow_mail_is_text_and_html_with_one_click_unsubscribe(app, client, world, h, smtp):
    answered_consultation(client, h)
    run(app)
    [mail] = to(smtp, world)
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Subject"] == "Консультація «Як?» має відповідь і чекає на вашу реакцію"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Консультація «Як?» має відповідь" in text and "/notifications/" in text
    assert "Консультація «Як?» має відповідь" in html and "#0057b7" in html  # the look
    assert "Спільнота практик" in html and "/unsubscribe/" in html
    path = one_click_path(mail)

    anonymous = app.test_client()
    asked = anonymous.get(path)  # opening the link only asks
    assert asked.status_code == 200 and "Консультація моєї громади" in asked.get_data(True)
    done = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    # that kind is off: the next answer tells the member nothing, in the app or by mail
    client.post(f"{API}/notifications/read", headers=h["member"], json={})
    answered_consultation(client, h)
    items = client.get(f"{API}/notifications", headers=h["member"]).get_json()["items"]
    assert [n["kind"] for n in items if not n["read"]] == ["reply"]  # no "awaiting"
    run(app)
    assert len(to(smtp, world)) == 1
    # other kinds still come
    forum = world.spaces["forum_signed"]
    client.put(f"{API}/spaces/{forum}/subscription", headers=h["member"], json={"subscribed": True})
    client.post(
        f"{API}/spaces/{forum}/discussions", headers=h["expert"], json={"title": "Т", "body": "Б"}
    )
    run(app)
    assert len(to(smtp, world, about="розпочинає обговорення «Т»")) == 1


def test_a_digests_link_stops_all_notification_mail(app, client, world, h, smtp):
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.id == world.users["member"].id)
            .values(email_mode=EmailMode.DIGEST, digest_sent_at=None)
        )
        db.session.commit()
    app.config["COP_DIGEST_HOUR"] = 0
    answered_consultation(client, h)
    run(app)
    [digest] = to(smtp, world, about="")
    path = one_click_path(digest)
    assert app.test_client().post(path).status_code == 200
    with app.app_context():
        assert db.session.get(User, world.users["member"].id).email_mode == EmailMode.OFF


def test_a_forged_or_altered_link_is_not_found(app, client, world, h, smtp):
    answered_consultation(client, h)
    run(app)
    path = one_click_path(to(smtp, world)[0])
    anonymous = app.test_client()
    assert anonymous.post(path[:-2] + "xx").status_code == 404
    assert anonymous.post("/unsubscribe/nonsense").status_code == 404
    with app.app_context():  # nothing was turned off
        assert db.session.get(User, world.users["member"].id).email_mode == EmailMode.IMMEDIATE


def test_who_may_no_longer_read_it_gets_no_mail(app, client, world, h, smtp):
    answered_consultation(client, h)
    with app.app_context():  # the member leaves the committee before the mail run
        db.session.execute(delete(CommitteeMembership))
        db.session.commit()
    run(app)
    assert to(smtp, world, about="") == [] and to(smtp, world, "expert", about="") != []
