"""Sign-ins, listed to their owner as devices: each has its own random secret (only its
hash is stored), ends on its own, and expires when unused for too long or too old.

A session cookie and a remember-me cookie carry `LoginSession.id.secret` (User.get_id);
cop/login.py resumes a sign-in from either. Limits: COP_SESSION_* in cop/config.py, shorter
for moderators and administrators (docs/security.md).
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from sqlalchemy import delete, select

from cop import realtime
from cop.accounts.models import USER_AGENT_MAX, LoginSession, User
from cop.db import utcnow
from cop.errors import NotFound
from cop.extensions import db

DEVICE_SIGNED_OUT = _l("This device was signed out.")
# How stale `last_used_at` may be: one write per sign-in and minute at most.
TOUCH_EVERY = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def login_room(login_id: int) -> str:
    """The sockets opened with one sign-in's cookie."""
    return f"login:{login_id}"


def row_id(user: User) -> int | None:
    """The id of the sign-in `user` came with, if any (not with an API token)."""
    head = (user.login_id or "").partition(".")[0]
    return int(head) if head.isdigit() else None


def limits(user: User) -> tuple[timedelta, timedelta]:
    """How long a sign-in of this person may stay unused, and how long it may last."""
    config = current_app.config
    prefix = "COP_STAFF_SESSION" if user.is_staff else "COP_SESSION"
    return (
        timedelta(hours=config[f"{prefix}_IDLE_HOURS"]),
        timedelta(days=config[f"{prefix}_MAX_DAYS"]),
    )


def start(user: User, user_agent: str, remember: bool) -> None:
    """A new sign-in of `user`, which becomes the one `user.get_id()` names (for
    Flask-Login's `login_user`). Commits."""
    secret = secrets.token_urlsafe(32)
    login = LoginSession(
        user_id=user.id,
        secret_hash=_hash(secret),
        user_agent=(user_agent or "")[:USER_AGENT_MAX],
        remember=remember,
    )
    db.session.add(login)
    db.session.commit()
    user.login_id = f"{login.id}.{secret}"


def resume(login_id: str) -> User | None:
    """The active person a cookie's sign-in belongs to, unless it was ended, has been
    unused longer than the idle limit or is older than the absolute one. Records its use
    (commits, at most once a minute: cop/login.py loads the person before the view runs)."""
    head, _sep, secret = (login_id or "").partition(".")
    if not head.isdigit() or not secret:
        return None
    row = db.session.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.id == int(head))
    ).first()
    if row is None or not hmac.compare_digest(row[0].secret_hash, _hash(secret)):
        return None
    login, user = row
    if not user.active:
        return None
    now = utcnow()
    idle, longest = limits(user)
    if now - login.last_used_at > idle or now - login.created_at > longest:
        return None
    if now - login.last_used_at > TOUCH_EVERY:
        login.last_used_at = now
        db.session.commit()
    user.login_id = login_id
    return user


def list_sessions(user: User) -> list[LoginSession]:
    """The person's sign-ins that are still valid, the most recently used first."""
    now = utcnow()
    idle, longest = limits(user)
    rows = db.session.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == user.id)
        .order_by(LoginSession.last_used_at.desc(), LoginSession.id.desc())
    )
    return [r for r in rows if now - r.last_used_at <= idle and now - r.created_at <= longest]


def end_session(user: User, login_id: int, message=DEVICE_SIGNED_OUT) -> None:
    """A person signs one of their own devices out (404 for anyone else's); its sockets
    are closed, told `message`. Commits."""
    login = db.session.get(LoginSession, login_id)
    if login is None or login.user_id != user.id:
        raise NotFound()
    db.session.delete(login)
    db.session.commit()
    close_sockets(user, [login_id], message)


def end_sessions(user: User, keep: int | None = None) -> list[int]:
    """Delete every sign-in of `user` but `keep`, in the caller's transaction (a password
    change, a reset, a deactivation); returns their ids for `close_sockets`."""
    ended = list(
        db.session.scalars(
            select(LoginSession.id).where(
                LoginSession.user_id == user.id, LoginSession.id != (keep or 0)
            )
        )
    )
    if ended:
        db.session.execute(delete(LoginSession).where(LoginSession.id.in_(ended)))
    return ended


def close_sockets(user: User, login_ids: list[int], message) -> None:
    """Close the sockets of these sign-ins in every server process (after the commit)."""
    for login_id in login_ids:
        realtime.disconnect_room(user, login_room(login_id), "signed_out", message)


def sign_in(user: User, remember: bool = False) -> None:
    """A new session for `user`: whatever the old one held (a CSRF token read before, a
    previous person's sign-in) is dropped, and a new sign-in is recorded. Keeps the
    guest's chosen language. Commits."""
    locale = session.get("locale")
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's copy of the old session's token
    if locale:
        session["locale"] = locale
    start(user, request.user_agent.string, remember)
    _idle, longest = limits(user)
    login_user(user, remember=remember, duration=longest)
