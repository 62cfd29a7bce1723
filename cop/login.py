"""Flask-Login wiring: a session or remember-me cookie carries one sign-in
(cop/accounts/sessions.py); API requests may carry a bearer token instead."""

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cop.accounts import sessions
from cop.accounts.models import User
from cop.accounts.service import user_for_token
from cop.extensions import login


def init_app(app: Flask) -> None:
    login.init_app(app)
    login.login_view = "accounts.login"
    login.login_message = _l("Sign in to continue.")
    login.login_message_category = "info"
    login.session_protection = "basic"

    @app.before_request
    def resume_before_the_view():
        # Resuming may record the sign-in's use (a commit): before the view writes anything.
        if request.endpoint != "static":
            current_user._get_current_object()


@login.user_loader
def load_user(login_id: str) -> User | None:
    return sessions.resume(login_id)


@login.request_loader
def load_user_from_token(req) -> User | None:
    auth = request.authorization
    if auth is None or auth.type != "bearer" or not auth.token:
        return None
    return user_for_token(auth.token)
