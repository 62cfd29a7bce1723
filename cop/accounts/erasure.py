"""Erasing a person: the account row stays, so their posts keep their place in threads
and show a placeholder for the author, while everything that names or reaches the person
is replaced or removed. What each feature removes is in its listener to PersonErased
(docs/privacy.md lists it all)."""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from cop import events, policy, realtime
from cop.accounts import sessions
from cop.accounts.events import PersonErased
from cop.accounts.models import (
    AccessToken,
    AccountLink,
    EmailMode,
    ResetRequest,
    Role,
    User,
)
from cop.db import utcnow
from cop.errors import Conflict, Forbidden
from cop.extensions import db
from cop.orgs.models import CommitteeMembership, expert_group_member

# What an erased person's name reads as where it is not rendered per viewer (mail, API).
PLACEHOLDER = _l("Deleted user")


def placeholder_email(user_id: int) -> str:
    """Unique, and in a reserved domain (RFC 2606) that no mail can reach or sign in with."""
    return f"erased-{user_id}@erased.invalid"


def erase_person(actor: User, user: User) -> None:
    """Administrators erase anyone but themselves; erasing twice changes nothing. The
    name, email (a unique placeholder), username, password, association and role go; the
    person's sign-ins, tokens, emailed links, committee and expert group places are
    deleted, and the features listening to PersonErased remove the rest (memberships,
    subscriptions, notifications, read marks, attachment files) in the same transaction.
    Commits; closes the person's sockets; an audit entry records who erased whom."""
    if not policy.can(actor, policy.MANAGE, policy.SITE):
        raise Forbidden()
    if user.id == actor.id:
        raise Conflict(_("You cannot erase yourself."))
    if user.erased_at is not None:
        return
    email = user.email
    sessions.end_sessions(user)
    for model in (AccessToken, AccountLink):
        db.session.execute(delete(model).where(model.user_id == user.id))
    db.session.execute(delete(ResetRequest).where(ResetRequest.email == email))
    db.session.execute(delete(CommitteeMembership).where(CommitteeMembership.user_id == user.id))
    db.session.execute(delete(expert_group_member).where(expert_group_member.c.user_id == user.id))
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        user.display_name = str(PLACEHOLDER)
    user.email = placeholder_email(user.id)
    user.username = f"erased{user.id}"
    user.password_hash = None
    user.active = False
    user.role = Role.MEMBER
    user.association_id = None
    user.email_mode = EmailMode.OFF
    user.digest_sent_at = None
    user.all_read_until = None
    user.track_reads = True
    user.erased_at = utcnow()
    events.publish(PersonErased(actor, user))
    db.session.commit()
    policy.forget()
    realtime.disconnect_user(user, "signed_out", _l("Your access has changed."))
