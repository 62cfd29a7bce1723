"""Each normalisation, both ways: a text written one way is found by the query written the
other way (index time and query time go through the same analyzer)."""

import unicodedata

import pytest

from cop.discussions import service
from cop.search.backend import search
from tests.conftest import both_backends
from tests.search.helpers import person, space

pytestmark = both_backends

SPELLINGS = [
    # (how the text writes the word, how the query writes it)
    ("обʻєднання громад", "об'єднання"),  # U+02BB
    ("сім＇я", "сім’я"),  # U+FF07
    ("підтримка сімей та сім'ї", "сімя"),  # no apostrophe in the query
    ("обєднана громада", "об'єднана"),  # no apostrophe in the text
    ("новий cоmmunity hub", "community"),  # a Cyrillic о inside a Latin word
    ("ｃｏｍｍｕｎｉｔｙ centre", "community"),  # fullwidth Latin
    ("гро\u00adмадський бюджет", "громадський"),  # a soft hyphen inside the word
    (unicodedata.normalize("NFD", "Київський район"), "київський"),  # NFD text, NFC query
    ("Київська область", unicodedata.normalize("NFD", "київська")),  # and the reverse
    ("Новий ЦНAП", "цнап"),  # a Latin A inside a Cyrillic word
]


@pytest.mark.parametrize(("text", "query"), SPELLINGS)
def test_a_word_is_found_however_it_is_spelled(app, world, text, query):
    with app.app_context():
        member, forum = person(world, "member"), space(world, "forum_public")
        service.start_discussion(member, forum, title="Тема", body=text)
        service.start_discussion(member, forum, title="Інше", body="Дякую всім за зустріч.")
        found = search(member, query)
        assert [hit.title for hit in found.hits] == ["Тема"]
        assert "<mark>" in found.hits[0].snippet
