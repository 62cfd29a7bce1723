"""Accounts: the only code that creates or changes users, their passwords and tokens."""

import hashlib
import logging
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from cop import inputs, policy, rate_limits, realtime
from cop.accounts import sessions, token_use
from cop.accounts.models import (
    EMAIL_MAX,
    NAME_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    AccessToken,
    AccountLink,
    EmailMode,
    LinkPurpose,
    ResetRequest,
    Role,
    User,
)
from cop.db import utcnow
from cop.errors import Conflict, Forbidden, Invalid, NotFound
from cop.extensions import db
from cop.mail import send_mail
from cop.orgs.models import Association

log = logging.getLogger(__name__)
# Checked when the email is unknown, so both wrong answers cost the same time.
_DUMMY_HASH = generate_password_hash("not a real password")
TOKEN_PREFIX = "cop_"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def normalize_email(value: str) -> str:
    value = (value or "").strip()
    if len(value) > EMAIL_MAX:
        raise Invalid(fields={"email": _("At most %(n)s characters.", n=EMAIL_MAX)})
    try:
        checked = validate_email(value, check_deliverability=False, globally_deliverable=False)
        return checked.normalized.lower()
    except EmailNotValidError:
        raise Invalid(fields={"email": _("This is not a valid email address.")}) from None


def _check_display_name(value: str) -> str:
    return inputs.check_line(value, "display_name", NAME_MAX)


def _check_password(value: str, field: str = "password") -> str:
    if len(value or "") < PASSWORD_MIN:
        raise Invalid(fields={field: _("At least %(n)s characters.", n=PASSWORD_MIN)})
    if len(value) > PASSWORD_MAX:
        raise Invalid(fields={field: _("At most %(n)s characters.", n=PASSWORD_MAX)})
    return value


def _check_locale(value: str) -> str:
    if value not in current_app.config["COP_LOCALES"]:
        raise Invalid(fields={"locale": _("Must be one of: %(values)s.", values="uk, en")})
    return value


def set_password(user: User, password: str) -> None:
    user.password_hash = generate_password_hash(password)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None; the same for every wrong answer.
    Failures count per email from any address (COP_LOGIN_ACCOUNT_LIMIT): past the limit
    every attempt, even with the right password, is RateLimited until the window moves on,
    and the account's owner gets one letter as the lock starts."""
    address = (email or "").strip().lower()
    rate_limits.check("COP_LOGIN_ACCOUNT_LIMIT", "login-account", address, _LOCKED)
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password or "")
        _failed(address, None)
        return None
    if not check_password_hash(user.password_hash, password or ""):
        _failed(address, user)
        return None
    return user if user.active else None


_LOCKED = _l("Too many wrong passwords for this account. Wait a little and try again.")


def _failed(address: str, user: User | None) -> None:
    if rate_limits.count("COP_LOGIN_ACCOUNT_LIMIT", "login-account", address) or user is None:
        return
    with force_locale(user.locale):
        subject = _("Sign-in to your account paused")
        body = _(
            "Hello, %(name)s!\n\nSomeone entered a wrong password for your account "
            "several times, so signing in is paused for a while. If it was not you, "
            "nothing is needed: your password stays secret. If you forgot it, you can set "
            "a new one here:\n\n%(link)s\n",
            name=user.display_name,
            link=current_app.config["COP_BASE_URL"].rstrip("/") + url_for("accounts.reset_request"),
        )
    send_mail(user.email, subject, body)


def _check_role_grant(actor, role: Role) -> None:
    if role in policy.STAFF and not policy.can(actor, policy.MANAGE, policy.SITE):
        raise Forbidden(_("Only an administrator can grant this role."))


def create_user(
    actor,
    *,
    email: str,
    display_name: str,
    role: Role = Role.MEMBER,
    locale: str = "uk",
    association_id: int | None = None,
    password: str | None = None,
    invite: bool = True,
) -> User:
    """Admins and moderators create accounts (there is no open sign-up). Without a
    password the person gets an invitation link by mail. Commits; sends mail."""
    if not policy.can(actor, policy.MODERATE, policy.SITE):
        raise Forbidden()
    _check_role_grant(actor, role)
    email = normalize_email(email)
    user = User(
        email=email,
        display_name=_check_display_name(display_name),
        role=role,
        locale=_check_locale(locale),
        association_id=_check_association(association_id),
    )
    if password is not None:
        set_password(user, _check_password(password))
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(fields={"email": _("An account with this email already exists.")})
    db.session.add(user)
    raw = _new_link(user, LinkPurpose.INVITE) if invite and password is None else None
    db.session.commit()
    if raw:
        _mail_link(user, LinkPurpose.INVITE, raw)
    return user


def _check_association(association_id: int | None) -> int | None:
    if association_id is not None and db.session.get(Association, association_id) is None:
        raise Invalid(fields={"association_id": _("There is no such association.")})
    return association_id


def update_user(actor, user: User, changes: dict) -> User:
    """Admins edit anyone; moderators edit people who are not staff. Deactivating signs the
    user out everywhere and revokes their tokens. Commits."""
    if not policy.can(actor, policy.MANAGE, user):
        raise Forbidden()
    if "display_name" in changes:
        user.display_name = _check_display_name(changes["display_name"])
    if "locale" in changes:
        user.locale = _check_locale(changes["locale"])
    if "association_id" in changes:
        user.association_id = _check_association(changes["association_id"])
    was = (user.role, user.active)
    if "role" in changes and changes["role"] != user.role:
        _check_role_grant(actor, Role(changes["role"]))
        if user.id == actor.id:
            raise Conflict(fields={"role": _("You cannot change your own role.")})
        user.role = Role(changes["role"])
    if "active" in changes and changes["active"] != user.active:
        if user.id == actor.id:
            raise Conflict(fields={"active": _("You cannot deactivate yourself.")})
        user.active = bool(changes["active"])
        if not user.active:
            sessions.end_sessions(user)
            _revoke_tokens(user)
    db.session.commit()
    policy.forget()
    if (user.role, user.active) != was:  # live sockets reconnect with what is now allowed
        realtime.disconnect_user(user, "signed_out", _l("Your access has changed."))
    return user


def _revoke_tokens(user: User) -> None:
    db.session.execute(
        update(AccessToken)
        .where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def sign_out(user: User) -> None:
    """Signing out ends this sign-in, so a copy of its cookie (or a socket reconnecting
    with it) no longer signs in, and closes its sockets; the person's other devices and
    API tokens stay. Commits."""
    login_id = sessions.row_id(user)
    if login_id is not None:
        sessions.end_session(user, login_id, _l("You have signed out."))


def update_profile(
    user: User,
    *,
    display_name: str | None = None,
    locale: str | None = None,
    email_mode: str | None = None,
    track_reads: bool | None = None,
):
    """A person edits their own name, language, how notifications reach them by email
    and whether unread posts are marked in forums whose read tracking is optional.
    Commits."""
    if display_name is not None:
        user.display_name = _check_display_name(display_name)
    if locale is not None:
        user.locale = _check_locale(locale)
    if email_mode is not None:
        try:
            user.email_mode = EmailMode(email_mode)
        except ValueError:
            values = ", ".join(m.value for m in EmailMode)
            raise Invalid(
                fields={"email_mode": _("Must be one of: %(values)s.", values=values)}
            ) from None
    if track_reads is not None:
        user.track_reads = bool(track_reads)
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Needs the current password; ends every other sign-in of the person (their
    remember-me cookies too) and closes those sign-ins' sockets; this one and API tokens
    stay. Commits."""
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        raise Invalid(fields={"current_password": _("The current password is wrong.")})
    set_password(user, _check_password(new, "new_password"))
    ended = sessions.end_sessions(user, keep=sessions.row_id(user))
    db.session.commit()
    sessions.close_sockets(user, ended, _l("Your password was changed."))


# --- emailed links ------------------------------------------------------------------------


def _new_link(user: User, purpose: LinkPurpose) -> str:
    hours = current_app.config[
        "COP_INVITE_HOURS" if purpose == LinkPurpose.INVITE else "COP_RESET_HOURS"
    ]
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountLink(
            user=user,
            purpose=purpose,
            token_hash=_hash_token(raw),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    return raw


def _mail_link(user: User, purpose: LinkPurpose, raw: str) -> None:
    endpoint = "accounts.accept_invite" if purpose == LinkPurpose.INVITE else "accounts.reset"
    link = current_app.config["COP_BASE_URL"].rstrip("/") + url_for(endpoint, token=raw)
    with force_locale(user.locale):
        if purpose == LinkPurpose.INVITE:
            subject = _("You are invited to the community of practice")
            body = _(
                "Hello, %(name)s!\n\nAn account was created for you. Open this link to "
                "choose your password and sign in:\n\n%(link)s\n",
                name=user.display_name,
                link=link,
            )
        else:
            subject = _("Password reset")
            body = _(
                "Hello, %(name)s!\n\nSomeone asked to reset your password. If it was you, "
                "open this link within %(hours)s hours:\n\n%(link)s\n\nOtherwise ignore "
                "this letter.\n",
                name=user.display_name,
                link=link,
                hours=current_app.config["COP_RESET_HOURS"],
            )
    send_mail(user.email, subject, body)


def resend_invite(actor, user: User) -> None:
    if not policy.can(actor, policy.MANAGE, user):
        raise Forbidden()
    raw = _new_link(user, LinkPurpose.INVITE)
    db.session.commit()
    _mail_link(user, LinkPurpose.INVITE, raw)


def request_password_reset(email: str) -> None:
    """Anyone may ask; the same work for every address (it is only queued, unlooked-up), so
    neither the answer nor its time tells whether an account exists. The background mail
    worker sends the link (`send_password_resets`). Commits."""
    db.session.add(ResetRequest(email=(email or "").strip().lower()[:EMAIL_MAX]))
    db.session.commit()


def send_password_resets() -> int:
    """Handle the queued reset requests (`cop run`'s background worker, `cop send-mail`):
    mail a link to each address that has an active account. Each request is claimed
    (deleted and committed) before its mail goes out, so two workers never send it twice;
    a mail that fails is logged and the person can ask again. Returns how many went out."""
    with current_app.test_request_context(base_url=current_app.config["COP_BASE_URL"]):
        return sum(_send_password_reset(*row) for row in _queued_resets())


def _queued_resets() -> list:
    return db.session.execute(
        select(ResetRequest.id, ResetRequest.email).order_by(ResetRequest.id)
    ).all()


def _send_password_reset(request_id: int, email: str) -> bool:
    claimed = db.session.execute(delete(ResetRequest).where(ResetRequest.id == request_id))
    user = db.session.scalar(select(User).where(User.email == email))
    if not claimed.rowcount or user is None or not user.active:
        db.session.commit()
        return False
    raw = _new_link(user, LinkPurpose.RESET)
    db.session.commit()
    try:
        _mail_link(user, LinkPurpose.RESET, raw)
    except Exception:  # the mail server said no or is away
        log.exception("the reset link for user %s could not be mailed", user.id)
        return False
    return True


def find_link(raw: str, purpose: LinkPurpose) -> AccountLink:
    link = db.session.scalar(
        select(AccountLink).where(
            AccountLink.token_hash == _hash_token(raw or ""), AccountLink.purpose == purpose
        )
    )
    if link is None or link.used_at is not None or link.expires_at < utcnow():
        raise NotFound(_("This link is invalid or has expired."))
    if not link.user.active:
        raise NotFound(_("This link is invalid or has expired."))
    return link


def redeem_link(raw: str, purpose: LinkPurpose, password: str) -> User:
    """Sets the password through an invitation or reset link, once; ends every sign-in of
    the person and closes their sockets. Commits."""
    link = find_link(raw, purpose)
    set_password(link.user, _check_password(password))
    ended = sessions.end_sessions(link.user)
    link.used_at = utcnow()
    db.session.commit()
    sessions.close_sockets(link.user, ended, _l("Your password was changed."))
    return link.user


# --- API tokens -----------------------------------------------------------------------------


def create_token(user: User, name: str) -> tuple[AccessToken, str]:
    """A personal access token; the raw value is returned once and only its hash is kept."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(
        user=user, name=(name or "API").strip()[:NAME_MAX], token_hash=_hash_token(raw)
    )
    db.session.add(token)
    db.session.commit()
    return token, raw


def issue_token(user: User, name: str, password: str) -> tuple[AccessToken, str]:
    """People make their own tokens on the profile page, giving their password again (a
    session alone, maybe left open on a shared computer, does not mint a lasting key;
    wrong passwords count towards the account's lock, as at sign-in). Commits."""
    name = inputs.check_line(name, "name", NAME_MAX)
    if authenticate(user.email, password) is None:
        raise Invalid(fields={"password": _("The password is wrong.")})
    return create_token(user, name)


# Built once: every API request and webinar arrival looks a token up, and building the
# statement each time cost more than running it (bench/live/connect_cost.py).
_UNREVOKED_TOKEN = select(AccessToken).where(
    AccessToken.token_hash == bindparam("token_hash"), AccessToken.revoked_at.is_(None)
)


def user_for_token(raw: str) -> User | None:
    token = db.session.scalar(_UNREVOKED_TOKEN, {"token_hash": _hash_token(raw)})
    if token is None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token_use.used(token.id, now)
    return token.user


def revoke_token(actor: User, token_id: int) -> None:
    """People revoke their own tokens; admins anyone's. Commits."""
    token = db.session.get(AccessToken, token_id)
    if token is None or (
        token.user_id != actor.id and not policy.can(actor, policy.MANAGE, token.user)
    ):
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
