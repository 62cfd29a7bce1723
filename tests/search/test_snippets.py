"""Snippets: every form of a query word marked, the page's length bounded, and an opening
post's snippet taken from its body (its title is the hit's heading already)."""

from cop.discussions import service
from cop.search.snippets import SNIPPET_CHARS, snippet
from tests.conftest import both_backends
from tests.search.helpers import PREFIXED, PREFIXED_MARKED, person, search, space

pytestmark = both_backends


def test_an_opening_posts_snippet_does_not_repeat_its_title(app, client, world):
    with app.app_context():
        service.start_discussion(
            person(world, "member"),
            space(world, "forum_public"),
            title="Стратегія громади",
            body="Ми обговорили план розвитку.",
        )
    by_title = search(client, "стратегія")["items"][0]
    assert by_title["title"] == "Стратегія громади"
    assert by_title["snippet"] == "Ми обговорили план розвитку."
    by_body = search(client, "планом")["items"][0]
    assert by_body["snippet"] == "Ми обговорили <mark>план</mark> розвитку."


def test_a_prefix_marks_every_word_it_found(app, client, world):
    with app.app_context():
        service.start_discussion(
            person(world, "member"),
            space(world, "forum_public"),
            title="Мережа",
            body=PREFIXED,
        )
    found = search(client, "налашт* мережа")
    assert found["total"] == 1
    assert found["items"][0]["snippet"] == PREFIXED_MARKED


def test_a_long_text_gives_its_best_fragments_with_every_form_marked():
    filler = "Інші слова без збігів тут стоять довго. " * 20
    text = f"{filler}Громада вирішила. {filler}Громадою і громадам дякуємо. {filler}"
    found = snippet(text, frozenset({"громада"}))
    assert found.count("<mark>") == 3
    assert "<mark>Громадою</mark> і <mark>громадам</mark>" in found
    assert " … " in found
    assert len(found.striptags()) <= 2 * SNIPPET_CHARS + len(" … ")


def test_a_snippet_is_one_line():
    text = "Перший рядок про\nгромаду,\n\n  другий   рядок."
    assert snippet(text, frozenset({"громада"})) == (
        "Перший рядок про <mark>громаду</mark>, другий рядок."
    )


def test_nothing_matched_gives_no_snippet_and_html_is_escaped():
    assert snippet("Зовсім інше", frozenset({"громада"})) is None
    assert (
        snippet("<b>громада</b>", frozenset({"громада"}))
        == "&lt;b&gt;<mark>громада</mark>&lt;/b&gt;"
    )
