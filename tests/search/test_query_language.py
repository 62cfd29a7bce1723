"""The query language, facets, pages, sorting, suggestions and bounded input, through the
API and the page."""

import re

import pytest

from cop.consultations import service as consultations
from cop.discussions import service
from tests.conftest import both_backends
from tests.search.helpers import API, archive_live, discussion, person, search, space

pytestmark = both_backends


@pytest.fixture
def corpus(app, world):
    with app.app_context():
        member, expert = person(world, "member"), person(world, "expert")
        forum = space(world, "forum_signed")
        d = service.start_discussion(
            member, forum, title="Стратегічний план громади", body="Почнімо зі SWOT-аналізу."
        )
        service.reply(expert, discussion(d.id), body="План дій: спершу профіль громади.")
        service.start_discussion(
            expert, forum, title="Бюджет участі", body="Громадський бюджет на 2026 рік."
        )
        archive_live(world.spaces["live"], member.id, "Питання наживо", "Як скласти план?")
        consultations.open_consultation(
            member, title="Консультація про план", body="Потрібна порада щодо плану заходів."
        )


def titles(found: dict) -> list[str]:
    return [item["title"] for item in found["items"]]


def test_words_phrases_or_and_exclusion(client, corpus, h):
    m = h["member"]
    # Totals count discussions: the strategy discussion's two posts are one result.
    assert search(client, "план", m)["total"] == 3
    assert search(client, "план громада", m)["total"] == 1
    assert search(client, '"стратегічний план"', m)["total"] == 1
    assert search(client, '"план стратегічний"', m)["total"] == 0
    assert search(client, "SWOT OR бюджет", m)["total"] == 2
    assert search(client, "план -громади", m)["total"] == 2
    assert search(client, "план*", m)["total"] == 3
    assert search(client, 'план -"дій"', m)["total"] == 3


def test_quotes_and_exclusions_match_the_words_as_written(app, client, corpus, world, h):
    """A bare word finds every form; a quoted or excluded one only that form, so that
    excluding "subjective" keeps "subject" (both have the stem "subject")."""
    m = h["member"]
    assert search(client, "план громада", m)["total"] == 1  # "громади": another form
    assert search(client, '"громада"', m)["total"] == 0
    assert search(client, '"громади"', m)["total"] == 1
    assert search(client, '"стратегічного плану"', m)["total"] == 0
    assert search(client, "план -громада", m)["total"] == 3  # nothing has that form
    with app.app_context():
        forum = space(world, "forum_signed")
        for title, body in (
            ("Agenda", "The subject of the budget meeting"),
            ("Opinion", "A subjective view of the budget"),
        ):
            service.start_discussion(person(world, "member"), forum, title=title, body=body)
    assert set(titles(search(client, "budget subjective", m))) == {"Opinion", "Agenda"}
    assert titles(search(client, "budget -subjective", m)) == ["Agenda"]
    assert titles(search(client, '"subjective"', m)) == ["Opinion"]
    found = search(client, '"budget meeting"', m)
    assert titles(found) == ["Agenda"]
    assert "<mark>budget</mark> <mark>meeting</mark>" in found["items"][0]["snippet"]


def test_title_finds_words_of_titles_only(client, corpus, h):
    m = h["member"]
    assert search(client, "план", m)["total"] == 3  # the live session's question has it
    assert titles(search(client, "title:план", m, sort="newest")) == [
        "Консультація про план",
        "Стратегічний план громади",
    ]
    assert titles(search(client, "title:планів", m, sort="newest"))[1:] == [
        "Стратегічний план громади"
    ]
    assert search(client, 'title:"бюджет участі"', m)["total"] == 1
    assert search(client, "план -title:консультація", m)["total"] == 2


def test_field_filters(client, corpus, h):
    m = h["member"]
    assert search(client, "план author:expert", m)["total"] == 1
    assert search(client, "kind:consultation", m)["total"] == 1
    assert search(client, "план kind:live", m)["total"] == 1
    assert search(client, 'in:"Загальний форум"', m)["total"] == 2
    assert search(client, "status:new", m)["total"] == 1
    assert search(client, "community:А план", m)["total"] == 1
    assert search(client, "план after:2000-01-01 before:2100", m)["total"] == 3
    assert search(client, "план before:2000", m)["total"] == 0


def test_facets_count_what_matched(client, corpus, h):
    found = search(client, "план", h["member"])
    kinds = {row["value"]: row["count"] for row in found["facets"]["kind"]}
    assert kinds == {"discussion": 1, "live": 1, "consultation": 1}
    assert {row["label"] for row in found["facets"]["space"]} == {
        "Загальний форум",
        "Наживо Омега",
        "Консультації А",
    }
    narrowed = search(client, "план", h["member"], kind="live")
    assert titles(narrowed) == ["Питання наживо"]


def test_pages_and_newest_first(client, corpus, h):
    first = search(client, "план", h["member"], per_page=2, sort="newest")
    second = search(client, "план", h["member"], per_page=2, sort="newest", page=2)
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    stamps = [i["created_at"] for i in first["items"] + second["items"]]
    assert stamps == sorted(stamps, reverse=True)
    assert titles(first)[0] == "Консультація про план"


def test_snippets_highlight_every_form_and_escape_html(app, client, world, h):
    with app.app_context():
        service.start_discussion(
            person(world, "member"),
            space(world, "forum_public"),
            title="Про <b>громади</b>",
            body="Громадою <script>x</script> вирішили.",
        )
    item = search(client, "громада")["items"][0]
    assert "<mark" in item["snippet"] and "<script>" not in item["snippet"]
    assert item["title"] == "Про <b>громади</b>"
    assert item["url"].startswith("/posts/")


def test_did_you_mean_comes_from_the_index(client, corpus, h):
    found = search(client, "стратигія", h["member"])
    assert found["total"] == 0
    # No document says "стратегія": a suggestion is only made when it finds something.
    assert found["did_you_mean"] is None
    found = search(client, "бютжет", h["member"])
    assert found["did_you_mean"] == "бюджет"


@pytest.mark.parametrize(
    "q",
    [
        "*",
        "a*",
        "пл*н",
        " ".join(["слово"] * 40),
        "х" * 600,
        "б" * 80,
        "-план",
        "kind:nonsense",
        "status:maybe",
        "after:yesterday",
    ],
)
def test_pathological_queries_get_a_clear_4xx(client, corpus, h, q):
    response = client.get(API, query_string={"q": q}, headers=h["member"])
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["q"]


@pytest.mark.parametrize("q", ['"план громади', '""', "OR OR", "-", ":", "план OR", '"', "in:"])
def test_odd_queries_get_a_bounded_answer(client, corpus, h, q):
    response = client.get(API, query_string={"q": q}, headers=h["member"])
    assert response.status_code == 200


def test_bad_parameters_are_refused(client, corpus, h):
    assert client.get(API, query_string={"q": "план", "page": 0}).status_code == 422
    assert client.get(API, query_string={"q": "план", "kind": "x"}).status_code == 422
    assert client.get(API, query_string={"q": "план", "extra": 1}).status_code == 422


def test_search_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/api/v1/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "kind", "space_id", "page"}


def test_the_search_page(client, corpus, login_as, world):
    signed_in = login_as(world.users["member"])
    page = signed_in.get("/search?q=громади").get_data(as_text=True)
    assert "Стратегічний план" in page and "<mark" in page
    # "Громадський бюджет" is derived from громада: found too, below the exact forms.
    assert "Результатів: 2 (по одному на обговорення)" in page
    assert page.index("Стратегічний план") < page.index("Бюджет участі")
    empty = signed_in.get("/search?q=*")
    assert empty.status_code == 422
    assert "перед *" in empty.get_data(as_text=True)
    english = signed_in.get("/search?q=budget", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_platform_and_year_facets_are_filters_on_the_page_and_the_api(app, client, world, h):
    from datetime import UTC, datetime

    from sqlalchemy import select

    from cop.discussions.models import Post
    from cop.extensions import db
    from cop.spaces.models import Space

    with app.app_context():
        forum = space(world, "forum_public")
        older = service.start_discussion(
            person(world, "member"), forum, title="Старе", body="Кленовий сироп торік"
        )
        service.start_discussion(
            person(world, "member"), forum, title="Нове", body="Кленовий сироп цьогоріч"
        )
        opening = db.session.scalar(select(Post).where(Post.discussion_id == older.id))
        opening.created_at = datetime(2024, 5, 1, tzinfo=UTC)
        db.session.get(Space, forum.id).platform_id = 3
        db.session.commit()
    found = search(client, "кленовий", h["member"])
    years = {row["value"]: row["count"] for row in found["facets"]["year"]}
    assert years["2024"] == 1 and sum(years.values()) == 2
    assert [row["value"] for row in found["facets"]["platform"]] == ["3"]
    assert titles(search(client, "кленовий", h["member"], year=2024)) == ["Старе"]
    assert search(client, "кленовий", h["member"], platform_id=3)["total"] == 2
    assert search(client, "кленовий", h["member"], platform_id=4)["total"] == 0
    page = client.get("/search?q=кленовий").get_data(as_text=True)
    links = re.findall(r'<a href="(/search\?[^"]*)"', page)
    assert any("year=2024" in link for link in links)
    assert any("platform_id=3" in link for link in links)
    year_link = next(link for link in links if "year=2024" in link).replace("&amp;", "&")
    narrowed = client.get(year_link).get_data(as_text=True)
    assert "Старе" in narrowed and "Нове" not in narrowed and "Результатів: 1" in narrowed
    both = client.get(year_link + "&platform_id=3").get_data(as_text=True)
    assert "Результатів: 1" in both and 'name="platform_id" value="3"' in both
