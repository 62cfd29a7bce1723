"""Templates translate with the catalog of the language in force at the moment they
render (cop/i18n.py looks it up once per request and language): a page in the reader's
language, and inside one request a text forced into another (a fault's page, a mail)."""

from flask import session
from flask_babel import force_locale


def test_a_forced_language_inside_a_request_is_followed_both_ways(app):
    page = app.jinja_env.from_string(
        '{{ _("Sign out") }} · {{ ngettext("%(num)s minute ago", "%(num)s minutes ago", 5) }}'
    )
    with app.test_request_context("/"):
        session["locale"] = "en"
        assert page.render() == "Sign out · 5 minutes ago"
        with force_locale("uk"):
            assert page.render() == "Вийти · 5 хвилин тому"
        assert page.render() == "Sign out · 5 minutes ago"
    with app.test_request_context("/"):
        assert page.render() == "Вийти · 5 хвилин тому"  # the default, in the next request
