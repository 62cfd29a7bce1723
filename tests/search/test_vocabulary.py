"""Words written where someone cannot read change nothing they see: not what a prefix
finds, not whether "did you mean" appears, not the facets. One private kind at a time, a
stranger's answers before and after the words are planted there are the same."""

import pytest
from sqlalchemy import select

from cop.consultations import service as consultations
from cop.discussions import service
from cop.discussions.models import Post
from cop.extensions import db
from cop.moderation.service import hide_post
from cop.orgs.models import Community
from tests.conftest import both_backends
from tests.search.helpers import discussion, person, search, space

pytestmark = both_backends

# Sorted before the public "зоряник", more than a prefix's 50 terms.
CROWD = " ".join("зоряна" + a + b for a in "бвгдежз" for b in "бвгдежзклм")
PUBLIC = "Над селом зоряник, а в полі зорелітник."
PROBES = ("зорян*", "зоряник", "зорелітнак", "таємниця", "зорелітник")


def expert_room(world, text: str) -> None:
    service.start_discussion(
        person(world, "expert"), space(world, "expert_room"), title="Між собою", body=text
    )


def members_forum(world, text: str) -> None:
    service.start_discussion(
        person(world, "member"), space(world, "forum_members"), title="Для своїх", body=text
    )


def consultation(world, text: str) -> None:
    consultations.open_consultation(person(world, "member"), title="Питання", body=text)


def internal_note(world, text: str) -> None:
    c = consultations.open_consultation(person(world, "member"), title="Питання", body="Бюджет")
    service.reply(person(world, "expert"), c.discussion, body=text, internal=True)


def private_reply(world, text: str) -> None:
    d = service.start_discussion(
        person(world, "member"), space(world, "forum_signed"), title="Питання", body="Хто?"
    )
    service.reply(person(world, "expert"), discussion(d.id), body=text, private=True)


def separate_group(world, text: str) -> None:
    admin = person(world, "admin")
    service.configure_forum(admin, space(world, "forum_signed"), group_mode="separate")
    community = db.session.scalar(select(Community.id).where(Community.name == "Громада А"))
    service.start_discussion(
        admin, space(world, "forum_signed"), title="Громада", body=text, community_id=community
    )


def qanda_reply(world, text: str) -> None:
    service.configure_forum(
        person(world, "admin"), space(world, "forum_signed"), forum_type="qanda"
    )
    d = service.start_discussion(
        person(world, "member"), space(world, "forum_signed"), title="Запитання", body="Як?"
    )
    service.reply(person(world, "outsider"), discussion(d.id), body=text)


def hidden_post(world, text: str) -> None:
    d = service.start_discussion(
        person(world, "member"), space(world, "forum_signed"), title="Тема", body=text
    )
    hide_post(person(world, "space_moderator"), service.first_post(d))


def deleted_post(world, text: str) -> None:
    d = service.start_discussion(
        person(world, "member"), space(world, "forum_signed"), title="Тема", body="Початок"
    )
    answer = service.reply(person(world, "outsider"), discussion(d.id), body=text)
    service.delete_post(person(world, "outsider"), db.session.get(Post, answer.id))


# The kind, and a signed-in person who may not read it (guests may read none of them).
KINDS = [
    (expert_room, "member"),
    (members_forum, "outsider"),
    (consultation, "outsider"),
    (internal_note, "member"),
    (private_reply, "outsider"),
    (separate_group, "outsider"),
    (qanda_reply, "trainee"),
    (hidden_post, "outsider"),
    (deleted_post, "member"),
]


def answers(client, headers) -> list[dict]:
    return [search(client, q, headers) for q in PROBES]


@pytest.mark.parametrize(("plant", "stranger"), KINDS, ids=[k.__name__ for k, _ in KINDS])
def test_private_words_change_nothing_a_stranger_sees(app, client, world, h, plant, stranger):
    with app.app_context():
        service.start_discussion(
            person(world, "member"), space(world, "forum_public"), title="Небо", body=PUBLIC
        )
        plant(world, "Нічого особливого")
    seen = {name: answers(client, h.get(name)) for name in ("guest", stranger)}
    assert seen["guest"][0]["total"] == 1  # the prefix finds the public word
    assert seen["guest"][2]["did_you_mean"] == "зорелітник"
    with app.app_context():
        plant(world, f"{PUBLIC} Наша таємниця: зорелітнак. {CROWD}")
    for name in ("guest", stranger):
        assert answers(client, h.get(name)) == seen[name], name
    if plant is not deleted_post:  # the words are there, for those who may read them
        found = answers(client, h["admin"])
        assert found[2]["total"] == found[3]["total"] == 1


def test_a_query_reading_too_many_terms_is_refused_with_how_to_narrow_it(app, client, world, h):
    with app.app_context():
        service.start_discussion(
            person(world, "member"), space(world, "forum_public"), title="Небо", body=CROWD
        )
    assert search(client, "зорян*")["total"] == 1
    app.config["COP_SEARCH_MAX_TERMS"] = 40  # the prefix stands for 50 terms
    refused = client.get("/api/v1/search", query_string={"q": "зорян*"})
    assert refused.status_code == 422
    assert "більше літер перед *" in refused.get_json()["error"]["fields"]["q"]
    assert search(client, "зорянабв")["total"] == 1


def test_the_documents_a_query_reads_are_counted_over_all_its_words(app, client, world):
    """The postings budget is spent by every word together: two words that each fit
    are refused together once they read more than it allows, and found when they fit."""
    with app.app_context():
        member = person(world, "member")
        for word in ("вільха", "вільха", "вільха", "ясен", "ясен"):
            service.start_discussion(member, space(world, "forum_public"), title="Т", body=word)

    def least_budget(q: str) -> int:
        for budget in range(1, 40):
            app.config["COP_SEARCH_MAX_POSTINGS"] = budget
            if client.get("/api/v1/search", query_string={"q": q}).status_code == 200:
                return budget
        raise AssertionError(f"{q!r} never fits")

    alder, ash = least_budget("вільха"), least_budget("ясен")
    assert alder > 1 and ash > 1
    app.config["COP_SEARCH_MAX_POSTINGS"] = alder + ash - 1
    refused = client.get("/api/v1/search", query_string={"q": "вільха OR ясен"})
    assert refused.status_code == 422
    assert "надто широкий" in refused.get_json()["error"]["fields"]["q"]
    app.config["COP_SEARCH_MAX_POSTINGS"] = alder + ash
    assert search(client, "вільха OR ясен")["total"] == 5
