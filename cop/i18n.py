"""Locale: the signed-in person's choice, else the session's, else Ukrainian."""

from flask import Flask, current_app, session
from flask_babel import get_locale
from flask_login import current_user


def select_locale() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in current_app.config["COP_LOCALES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    app.jinja_env.globals["current_locale"] = current_locale
