"""Results people can read: one per discussion with up to three snippets of its best posts
and how many match, snippets in the rendered text (no Markdown syntax), dates in the
reader's language, the author and the space named."""

from datetime import UTC, datetime

from markupsafe import Markup
from sqlalchemy import select

from cop.discussions import service
from cop.discussions.models import Post
from cop.extensions import db
from tests.conftest import both_backends
from tests.search.helpers import discussion, finds, person, search, space

pytestmark = both_backends


def test_a_discussion_is_one_result_with_its_best_posts(app, client, world):
    with app.app_context():
        member, expert = person(world, "member"), person(world, "expert")
        forum = space(world, "forum_public")
        busy = service.start_discussion(
            member, forum, title="Громадські слухання", body="Коли громадські слухання?"
        )
        busy_id = busy.id
        for n in range(4):
            service.reply(expert, discussion(busy_id), body=f"Слухання номер {n} відбудеться.")
        service.start_discussion(expert, forum, title="Інша тема", body="Протокол слухань.")
    assert finds(client, "слухання") == 2
    found = search(client, "слухання")
    first = found["items"][0]
    assert [item["title"] for item in found["items"]] == ["Громадські слухання", "Інша тема"]
    assert first["matching_posts"] == 5 and len(first["posts"]) == 3
    assert len({post["url"] for post in first["posts"]}) == 3
    assert first["discussion_url"] == f"/discussions/{busy_id}"
    assert found["items"][1]["matching_posts"] == 1
    paged = search(client, "слухання", per_page=1, page=2)
    assert paged["total"] == 2 and [i["title"] for i in paged["items"]] == ["Інша тема"]
    page = client.get("/search?q=громадські слухання").get_data(as_text=True)
    assert page.count(">Громадські слухання</a>") == 1
    assert "Результатів: 1 (по одному на обговорення)" in page
    page = client.get("/search?q=слухання").get_data(as_text=True)
    assert page.count(">Громадські слухання</a>") == 1 and page.count('class="snippet"') == 4
    assert "Результатів: 2 (по одному на обговорення)" in page
    assert "Усього дописів із збігами в цьому обговоренні: 5" in page


def test_snippets_are_the_rendered_text_with_the_words_marked(app, client, world):
    with app.app_context():
        service.start_discussion(
            person(world, "member"),
            space(world, "forum_public"),
            title="Порядок денний",
            body="**Громадські слухання** щодо бюджету:\n\n1. звіт старости;\n"
            "2. [проєкт рішення](https://example.org/rishennia) _до обговорення_.",
        )
    snippet = search(client, "слухання рішення")["items"][0]["snippet"]
    assert snippet == (
        "Громадські <mark>слухання</mark> щодо бюджету: звіт старости; проєкт "
        "<mark>рішення</mark> до обговорення."
    )


def test_dates_in_the_readers_language_with_the_author_and_the_space(app, client, login_as, world):
    with app.app_context():
        started = service.start_discussion(
            person(world, "member"), space(world, "forum_public"), title="Тема", body="Ліхтарі"
        )
        opening = db.session.scalar(select(Post).where(Post.discussion_id == started.id))
        opening.created_at = datetime(2025, 3, 14, 12, tzinfo=UTC)
        db.session.commit()
        title = space(world, "forum_public").title
        person(world, "outsider").locale = "en"
        db.session.commit()
    found = search(client, "ліхтарі")["items"][0]
    assert found["space"] == title
    assert found["posts"][0]["author"] == "member"
    page = client.get("/search?q=ліхтарі").get_data(as_text=True)
    assert ">14 березня 2025" in page and "2025-03-14</time>" not in page
    assert f"· {title}</p>" in page and "member, 14 березня 2025" in Markup(page).striptags()
    english = login_as(world.users["outsider"]).get("/search?q=ліхтарі")
    assert "March 14, 2025" in english.get_data(as_text=True)
