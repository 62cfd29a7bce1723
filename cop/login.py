"""Flask-Login wiring: sessions carry `id.nonce`; API requests may carry a bearer token."""

from flask import Flask, request
from flask_babel import lazy_gettext as _l

from cop.accounts.models import User
from cop.accounts.service import user_for_token
from cop.extensions import db, login


def init_app(app: Flask) -> None:
    login.init_app(app)
    login.login_view = "accounts.login"
    login.login_message = _l("Sign in to continue.")
    login.login_message_category = "info"
    login.session_protection = "basic"


@login.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _sep, nonce = session_id.partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user


@login.request_loader
def load_user_from_token(req) -> User | None:
    auth = request.authorization
    if auth is None or auth.type != "bearer" or not auth.token:
        return None
    return user_for_token(auth.token)
