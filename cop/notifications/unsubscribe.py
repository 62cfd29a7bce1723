"""One-click unsubscribing from a notification mail (RFC 8058): each mail carries a signed
link naming its person and its kind (or, for a daily digest, all mail). The link works
without signing in: opening it shows what it turns off and a button; a POST to it (the
button, or the mail program's own one-click request) turns it off."""

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from cop.accounts.models import EmailMode, User
from cop.extensions import db
from cop.notifications import service
from cop.notifications.models import NotificationKind

SALT = "cop.notifications.unsubscribe"
ALL_MAIL = "all"  # a digest's link: no more notification mail at all


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def link(user: User, kind: NotificationKind | None) -> str:
    """The unsubscribe link for mail of this kind (None: every kind, the digest)."""
    token = _serializer().dumps([user.id, kind.value if kind else ALL_MAIL])
    return url_for("notifications.unsubscribe", token=token, _external=True)


def headers(url: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def read(token: str) -> tuple[User, NotificationKind | None] | None:
    """The person and kind a link names, or None for a link that is not ours (or whose
    person is gone)."""
    try:
        user_id, what = _serializer().loads(token)
        kind = None if what == ALL_MAIL else NotificationKind(what)
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return (user, kind) if user is not None and user.active else None


def unsubscribe(user: User, kind: NotificationKind | None) -> None:
    """Turn off that kind of notification (in the app and by mail: one choice per kind),
    or all notification mail. Commits."""
    if kind is None:
        user.email_mode = EmailMode.OFF
        db.session.commit()
        return
    service.turn_off(user, kind)
