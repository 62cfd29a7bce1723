"""A notification mail's words: the subject, the plain text and the same as HTML in the
platform's look (templates/mail/), with the person's one-click unsubscribe link (for a
single notification: from its kind; for a digest: from all notification mail). Written in
the reader's language: the caller sets the locale."""

from dataclasses import dataclass

from flask import render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from cop.accounts.models import EmailMode, User
from cop.dates import exact
from cop.notifications import unsubscribe
from cop.notifications.models import Notification


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str
    headers: dict[str, str]


def _link(notification: Notification) -> str:
    return url_for("notifications.follow", notification_id=notification.id, _external=True)


def _place(notification: Notification) -> str:
    """Where and when: the space, and the exact moment (a mail is read later, so never
    "5 minutes ago")."""
    return f"{notification.space.title}, {exact(notification.created_at)}"


def _entry(notification: Notification) -> str:
    text = f"\n\n{notification.post.body}" if notification.post is not None else ""
    return f"{notification.headline()} ({_place(notification)}){text}\n\n{_link(notification)}"


def _html_entry(notification: Notification) -> dict:
    post = notification.post
    return {
        "headline": notification.headline(),
        "place": _place(notification),
        "body_html": post.body_html if post is not None else "",  # sanitized (cop/text.py)
        "url": _link(notification),
    }


def compose(user: User, notifications: list[Notification]) -> Mail:
    digest = user.email_mode == EmailMode.DIGEST
    if digest:
        subject = _("Your daily digest: %(n)s new", n=len(notifications))
        leave = _("Stop these emails")
    else:
        subject = notifications[0].headline()
        leave = _("Stop notifications of this kind")
    leave_url = unsubscribe.link(user, None if digest else notifications[0].kind)
    settings = url_for("accounts.profile", _anchor="notifications", _external=True)
    body = "\n\n----\n\n".join(_entry(n) for n in notifications)
    footer = "-- \n" + _("Choose how you get these emails: %(url)s", url=settings)
    footer += "\n" + _("%(label)s: %(url)s", label=leave, url=leave_url)
    html = render_template(
        "mail/notifications.html",
        lang=str(get_locale()),
        subject=subject,
        entries=[_html_entry(n) for n in notifications],
        home_url=url_for("spaces.dashboard", _external=True),
        settings_url=settings,
        unsubscribe_url=leave_url,
        unsubscribe_label=leave,
    )
    return Mail(subject, f"{body}\n\n{footer}\n", html, unsubscribe.headers(leave_url))
