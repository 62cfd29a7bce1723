"""Locale: the signed-in person's choice, else the session's, else Ukrainian."""

from functools import cache
from operator import attrgetter

from babel.support import Translations
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import format_decimal, get_locale, get_translations
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.i18n import messages_path

from cop import collation


def select_locale() -> str:
    if not has_request_context():  # command-line work (`cop demo`) speaks the default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in current_app.config["COP_LOCALES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def by_person(items, attribute: str = "display_name") -> list:
    """Template filter: people (or rows holding them) in Ukrainian order, surname first."""
    return collation.by_person(items, attrgetter(attribute))


def _translations():
    """The catalog templates translate with: Flask-Babel's, looked up once per request
    and locale rather than on every `_()` (each lookup walked Flask-Babel's context, domain
    and locale: about 70 Python calls, a seventh of a forum page's). Held beside
    Flask-Babel's own locale, so `force_locale` (mail in the recipient's language) and
    `refresh` (a language switch) are seen at once."""
    ctx = g.get("_flask_babel")
    held = getattr(ctx, "cop_translations", None)
    if held is not None and held[0] is getattr(ctx, "babel_locale", None):
        return held[1]
    translations = get_translations()
    ctx = g.get("_flask_babel")
    if ctx is not None:
        ctx.cop_translations = (getattr(ctx, "babel_locale", None), translations)
    return translations


def init_app(app: Flask) -> None:
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters["filesize"] = format_size
    app.jinja_env.filters["by_person"] = by_person

    @app.before_request
    def wtforms_catalog():
        # Flask-WTF reads WTForms' own catalog from disk on every request that builds a
        # form (0.8 ms of a page with a reply form); the attribute it looks for first.
        if request.endpoint != "static":
            request.wtforms_translations = _wtforms_translations(current_locale())


@cache
def _wtforms_translations(locale: str) -> Translations:
    """WTForms' messages in one language, read once per process."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


def format_size(size: int) -> str:
    """Bytes for people: '740 KB', '1.5 MB' ('1,5 МБ' in Ukrainian)."""
    if size < 1024 * 1024:
        return _("%(n)s KB", n=format_decimal(max(1, round(size / 1024))))
    return _("%(n)s MB", n=format_decimal(round(size / 1024 / 1024, 1)))
