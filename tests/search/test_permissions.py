"""Every private kind: a unique word written there is found by those who may read it and
by nobody else: not in totals, facets, snippets or "did you mean"."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from cop.consultations import service as consultations
from cop.db import utcnow
from cop.discussions import service
from cop.discussions.models import Post
from cop.extensions import db
from cop.moderation.service import hide_post
from cop.orgs.models import Community
from tests.conftest import both_backends
from tests.search.helpers import discussion, finds, person, search, space

pytestmark = both_backends

EVERYONE = (
    "guest",
    "member",
    "outsider",
    "space_moderator",
    "expert",
    "trainee",
    "other_expert",
    "moderator",
    "admin",
)


def assert_readers(client, h, word: str, readers: set[str]) -> None:
    typo = word[:3] + word[4] + word[3] + word[5:]  # two letters swapped
    for name in EVERYONE:
        headers = h.get(name)
        count = finds(client, word, headers)
        suggestion = search(client, typo, headers)["did_you_mean"]
        if name in readers:
            assert count == 1, f"{name} should find {word}"
            assert suggestion is not None, f"{name} should be offered {word}"
        else:
            assert count == 0, f"{name} must not find {word}"
            assert suggestion is None, f"{name} must not be offered {word}"


def test_public_forum_is_found_by_everyone_even_guests(app, client, world, h):
    with app.app_context():
        service.start_discussion(
            person(world, "member"),
            space(world, "forum_public"),
            title="Оголошення",
            body="Говоримо про зорелітник",
        )
    assert_readers(client, h, "зорелітник", set(EVERYONE))


def test_expert_room_is_found_by_its_experts_and_staff_only(app, client, world, h):
    with app.app_context():
        service.start_discussion(
            person(world, "expert"),
            space(world, "expert_room"),
            title="Між собою",
            body="Обговорюємо квазарник",
        )
    assert_readers(client, h, "квазарник", {"expert", "trainee", "moderator", "admin"})


def test_members_only_forum_is_found_by_its_members(app, client, world, h):
    with app.app_context():
        service.start_discussion(
            person(world, "member"),
            space(world, "forum_members"),
            title="Для своїх",
            body="Тут про бурштинник",
        )
    assert_readers(client, h, "бурштинник", {"member", "space_moderator", "moderator", "admin"})


def test_consultation_is_found_by_its_committee_and_experts(app, client, world, h):
    with app.app_context():
        consultations.open_consultation(
            person(world, "member"), title="Питання", body="Як провести туманник?"
        )
    assert_readers(client, h, "туманник", {"member", "expert", "trainee", "moderator", "admin"})


def test_internal_note_is_found_by_the_desk_team_and_staff_not_the_committee(app, client, world, h):
    with app.app_context():
        c = consultations.open_consultation(
            person(world, "member"), title="Питання", body="Про бюджет"
        )
        service.reply(
            person(world, "expert"), c.discussion, body="Нотатка: громовиця", internal=True
        )
    assert_readers(client, h, "громовиця", {"expert", "trainee", "moderator", "admin"})


def test_private_reply_is_found_by_its_author_addressee_and_moderators(app, client, world, h):
    with app.app_context():
        d = service.start_discussion(
            person(world, "member"),
            space(world, "forum_signed"),
            title="Питання",
            body="Хто допоможе?",
        )
        service.reply(
            person(world, "expert"),
            discussion(d.id),
            body="Особисто: вишиванник",
            private=True,
        )
    assert_readers(
        client, h, "вишиванник", {"member", "expert", "space_moderator", "moderator", "admin"}
    )


def test_separate_groups_keep_a_community_discussion_to_its_group(app, client, world, h):
    with app.app_context():
        admin = person(world, "admin")
        forum = space(world, "forum_signed")
        service.configure_forum(admin, forum, group_mode="separate")
        community_a = db.session.scalar(select(Community.id).where(Community.name == "Громада А"))
        service.start_discussion(
            admin,
            space(world, "forum_signed"),
            title="Громада А",
            body="Наш соняшник",
            community_id=community_a,
        )
    assert_readers(
        client,
        h,
        "соняшник",
        {"member", "expert", "trainee", "space_moderator", "moderator", "admin"},
    )


def test_qanda_replies_wait_for_the_readers_own_reply(app, client, world, h):
    with app.app_context():
        admin = person(world, "admin")
        service.configure_forum(admin, space(world, "forum_signed"), forum_type="qanda")
        d = service.start_discussion(
            person(world, "member"),
            space(world, "forum_signed"),
            title="Запитання",
            body="Як рахувати?",
        )
        d_id = d.id
        service.reply(person(world, "outsider"), discussion(d_id), body="Мій варіант: калинник")
    # Experts see answers without posting (Moodle's teachers), moderators see everything.
    readers = {"member", "outsider", "expert", "other_expert", "space_moderator"}
    readers |= {"moderator", "admin"}
    assert_readers(client, h, "калинник", readers)
    with app.app_context():
        reply = service.reply(person(world, "trainee"), discussion(d_id), body="Моя відповідь")
        # Not yet: the trainee's reply is still editable (copy, then edit, is what waits).
        assert finds(client, "калинник", h["trainee"]) == 0
        db.session.get(Post, reply.id).created_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    assert_readers(client, h, "калинник", readers | {"trainee"})


def test_hidden_post_is_found_by_its_author_and_moderators(app, client, world, h):
    with app.app_context():
        d = service.start_discussion(
            person(world, "member"),
            space(world, "forum_signed"),
            title="Тема",
            body="Прихований чорнобривець",
        )
        hide_post(person(world, "space_moderator"), service.first_post(d))
    assert_readers(client, h, "чорнобривець", {"member", "space_moderator", "moderator", "admin"})


@pytest.mark.parametrize("reader", ["member", "admin"])
def test_a_deleted_post_is_found_by_nobody(app, client, world, h, reader):
    with app.app_context():
        d = service.start_discussion(
            person(world, "member"), space(world, "forum_signed"), title="Тема", body="Початок"
        )
        answer = service.reply(person(world, "outsider"), discussion(d.id), body="Стертий барвінок")
        answer_id = answer.id
        assert finds(client, "барвінок", h[reader]) == 1
        service.delete_post(person(world, "outsider"), db.session.get(Post, answer_id))
    assert finds(client, "барвінок", h[reader]) == 0
