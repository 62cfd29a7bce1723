"""Notifications by email: each one as it comes for people who chose that, one digest a
day for the others. `deliver()` is one pass; `cop send-mail` runs it (from cron, say,
every minute) and `cop run` runs it in the background every COP_MAIL_INTERVAL_SECONDS.

A post's notifications are mailed once its edit window has passed, so readers get the text
as edited, or at once when its author chose "send now" (`Post.mail_now`, Moodle's
mailnow). A notification already read in the app is not emailed. Each is claimed (emailed_at set
and committed) before its mail goes out, so two runners never send it twice; when the
SMTP server refuses or is away, the claim is released until a later pass (RETRY_AFTER,
doubling each time), and after MAIL_TRIES failures the mail is given up with a log line.
Whether the person may read the post is decided when the mail is written: one whom only a
Q&A forum holds back (until an answer of their own there leaves its edit window) is
asked again every HELD_RECHECK for HELD_FOR after the post, and mailed once they may read
it; the others who may not read it get nothing."""

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, update

from cop import policy
from cop.accounts.models import EmailMode, User
from cop.db import utcnow
from cop.discussions.models import Post
from cop.extensions import db
from cop.mail import send_mail
from cop.notifications.compose import compose
from cop.notifications.models import Notification
from cop.notifications.service import HELD_FOR

log = logging.getLogger(__name__)
MAIL_TRIES = 6
RETRY_AFTER = timedelta(minutes=5)  # then 10, 20, 40 and 80: given up after about 2.5 h
HELD_RECHECK = timedelta(minutes=5)


def _digest_moment(now: datetime) -> datetime:
    """Today's digest time (COP_DIGEST_HOUR in the site's time zone), in UTC."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    local_day = now.astimezone(zone).date()
    moment = datetime.combine(local_day, time(current_app.config["COP_DIGEST_HOUR"]), zone)
    return moment.astimezone(now.tzinfo)


def _pending(now: datetime):
    """(user, their unsent notifications) for everyone with mail due now."""
    digest_moment = _digest_moment(now)
    due_user = (User.email_mode == EmailMode.IMMEDIATE) | (
        (User.email_mode == EmailMode.DIGEST)
        & (now >= digest_moment)
        & ((User.digest_sent_at.is_(None)) | (User.digest_sent_at < digest_moment))
    )
    rows = db.session.execute(
        select(User, Notification)
        .join(Notification, Notification.user_id == User.id)
        .join(Post, Post.id == Notification.post_id)
        .where(
            User.active.is_(True),
            due_user,
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
            Notification.created_at <= now,
            Post.mail_now.is_(True) | (Post.created_at <= now - policy.edit_window()),
            (Notification.mail_retry_at.is_(None)) | (Notification.mail_retry_at <= now),
        )
        .order_by(User.id, Notification.created_at, Notification.id)
    ).all()
    grouped: dict[int, tuple[User, list[Notification]]] = {}
    for user, notification in rows:
        grouped.setdefault(user.id, (user, []))[1].append(notification)
    return list(grouped.values())


def _claim(notifications: list[Notification], now: datetime) -> bool:
    ids = [n.id for n in notifications]
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
        .values(emailed_at=now),
        execution_options={"synchronize_session": False},
    ).rowcount
    if claimed != len(ids):
        db.session.rollback()
        return False
    db.session.commit()
    return True


def _failed(notifications: list[Notification], now: datetime) -> None:
    """Releases the claims for a later try, or gives them up after MAIL_TRIES."""
    for notification in notifications:
        tries = notification.mail_tries + 1
        given_up = tries >= MAIL_TRIES
        retry_at = None if given_up else now + RETRY_AFTER * 2 ** (tries - 1)
        db.session.execute(
            update(Notification)
            .where(Notification.id == notification.id)
            .values(mail_tries=tries, mail_retry_at=retry_at, emailed_at=now if given_up else None),
            execution_options={"synchronize_session": False},
        )
        if given_up:
            log.error(
                "gave up mailing notification %s to user %s after %s tries",
                notification.id,
                notification.user_id,
                tries,
            )
    db.session.commit()


def _hold(notifications: list[Notification], now: datetime) -> None:
    """Ask again about these later (no try is counted: nothing failed)."""
    if notifications:
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_([n.id for n in notifications]))
            .values(mail_retry_at=now + HELD_RECHECK),
            execution_options={"synchronize_session": False},
        )


def _held(notification: Notification, user: User, now: datetime) -> bool:
    """A recent post the person may read soon (a Q&A answer held back for a while): asked
    again later rather than dropped."""
    post = notification.post
    return (
        post is not None
        and post.deleted_at is None
        and post.created_at > now - HELD_FOR
        and bool(policy.readers(post, [user], soon=True))
    )


def _readable(user: User, notification: Notification) -> bool:
    """Whether the person may still read what the notification is about, asked now."""
    post = notification.post
    if post is not None and (post.deleted_at is not None or not policy.readers(post, [user])):
        return False  # (`readers` loads what the Q&A rule needs at once)
    return policy.can(user, policy.VIEW, notification)


def deliver(now: datetime | None = None) -> int:
    """Send every email due now; returns how many went out."""
    base_url = current_app.config["COP_BASE_URL"]
    with current_app.test_request_context(base_url=base_url):  # for links in the mail
        return _deliver(now or utcnow())


def _deliver(now: datetime) -> int:
    sent = 0
    for user, notifications in _pending(now):
        readable, held = [], []
        for n in notifications:
            if _readable(user, n):
                readable.append(n)
            elif _held(n, user, now):
                held.append(n)
        _hold(held, now)
        if not _claim([n for n in notifications if n not in held], now):
            continue  # another runner has them
        if not readable:
            continue
        batches = [readable] if user.email_mode == EmailMode.DIGEST else [[n] for n in readable]
        for batch in batches:
            with force_locale(user.locale):
                mail = compose(user, batch)
            try:
                send_mail(
                    user.email,
                    mail.subject,
                    mail.text,
                    to_name=user.display_name,
                    html=mail.html,
                    headers=mail.headers,
                )
            except Exception:  # the server said no or is away: try again later
                log.exception("mail to user %s failed", user.id)
                _failed(batch, now)
                continue
            sent += 1
        if user.email_mode == EmailMode.DIGEST:
            user.digest_sent_at = now
            db.session.commit()
    return sent
