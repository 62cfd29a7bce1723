"""The translation catalogs cover every string in the source and match their compiled .mo files.

When a test here fails after strings were added or changed, update the catalogs as described in
docs/i18n.md (extract, update, translate, compile)."""

import io
import re
import subprocess
import sys

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext

from cop.config import ROOT

TRANSLATIONS = ROOT / "cop" / "translations"
LOCALES = ["uk", "en"]
# A %(name)s placeholder, or any other percent sign (a stray one breaks string formatting).
PLACEHOLDER = re.compile(r"%\(\w+\)[a-z]|%")


def load_po(locale):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def _plain(value):
    """A plural message's forms (a list or a tuple) as a tuple, so it can be a key."""
    return tuple(value) if isinstance(value, list | tuple) else value


def strings(catalog) -> dict:
    return {_plain(message.id): _plain(message.string) for message in catalog if message.id}


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory) -> set:
    """Message ids in the current source, extracted the way docs/i18n.md does it."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg"]
        + ["-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
    )
    with open(pot, "rb") as f:
        return set(strings(read_po(f)))


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_translates_every_source_string(locale, source_ids):
    catalog = load_po(locale)
    translated = {message.id for message in catalog if message.id and message.string}
    assert len(source_ids) > 100
    assert sorted(source_ids - translated) == []
    assert not catalog.fuzzy
    assert [message.id for message in catalog if message.fuzzy and message.id] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_is_up_to_date(locale):
    compiled = io.BytesIO()
    write_mo(compiled, load_po(locale))
    compiled.seek(0)
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo", "rb") as f:
        assert strings(read_mo(f)) == strings(read_mo(compiled))


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_are_kept(locale):
    for msgid, msgstr in strings(load_po(locale)).items():
        # every form of a plural message keeps the placeholders of the singular
        singular = msgid[0] if isinstance(msgid, tuple) else msgid
        for form in msgstr if isinstance(msgstr, tuple) else (msgstr,):
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(singular)), msgid


@pytest.mark.parametrize(("locale", "expected"), [("uk", "Увійти"), ("en", "Sign in")])
def test_flask_babel_finds_the_catalogs(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert gettext("Sign in") == expected
