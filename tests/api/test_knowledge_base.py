"""Publishing consultations to the knowledge base: the committee's consent, who may
publish and when, what the copy holds (never notes, private replies or files not
chosen), anonymisation, and the link back that only the desk's people see."""

import pytest
from sqlalchemy import select, update

from cop.accounts.models import Role, User
from cop.extensions import db
from cop.orgs.models import CommitteeMembership, Community
from tests.api.test_attachments import attached
from tests.api.test_consultations_api import API, get, moved, open_, posted
from tests.files import PDF, download, png


@pytest.fixture(autouse=True)
def in_english(app, world):
    with app.app_context():
        db.session.execute(update(User).values(locale="en"))
        db.session.commit()


@pytest.fixture
def olena(app, world, make_user):
    """A committee member of community A with a real name, as anonymisation needs one."""
    user = make_user(Role.MEMBER, display_name="Олена Коваль", username="olena_k")
    with app.app_context():
        community = db.session.scalar(select(Community).where(Community.name == "Громада А"))
        db.session.add(CommitteeMembership(community_id=community.id, user_id=user.id))
        db.session.commit()
    return user


def resolved(client, h, consent="full", body="Як провести SWOT-аналіз у Громаді А?") -> dict:
    """A consultation asked by `member`, answered by `expert`, resolved and rated."""
    c = open_(client, h["member"], title="SWOT для Громади А", body=body)
    posted(client, h["expert"], c["id"], body="Почніть з профілю громади.")
    moved(client, h["member"], c["id"], "resolved", rating=5)
    if consent != "none":
        response = client.patch(
            f"{API}/{c['id']}", headers=h["member"], json={"publish_consent": consent}
        )
        assert response.status_code == 200, response.get_json()
    return get(client, h["member"], c["id"])


def publish(client, headers, cid, **data):
    return client.post(f"{API}/{cid}/publish", headers=headers, json=data)


def published(client, headers, cid, **data) -> dict:
    response = publish(client, headers, cid, **data)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def copy_of(client, headers, discussion_id) -> tuple[dict, list[dict]]:
    discussion = client.get(f"/api/v1/discussions/{discussion_id}", headers=headers)
    posts = client.get(f"/api/v1/discussions/{discussion_id}/posts", headers=headers)
    assert discussion.status_code == 200 and posts.status_code == 200
    return discussion.get_json(), posts.get_json()["items"]


def test_the_consent_is_the_committees_and_is_on_the_timeline(client, world, h):
    c = open_(client, h["member"])
    assert get(client, h["member"], c["id"])["publish_consent"] == "none"
    url = f"{API}/{c['id']}"
    assert (
        client.patch(url, headers=h["expert"], json={"publish_consent": "full"}).status_code == 403
    )
    assert (
        client.patch(url, headers=h["outsider"], json={"publish_consent": "full"}).status_code
        == 404
    )
    bad = client.patch(url, headers=h["member"], json={"publish_consent": "maybe"})
    assert bad.status_code == 422
    body = client.patch(url, headers=h["member"], json={"publish_consent": "anonymised"}).get_json()
    assert body["publish_consent"] == "anonymised"
    consent = [e for e in body["events"] if e["kind"] == "consent"]
    assert consent[-1]["detail"] == {"consent": "anonymised"}
    assert consent[-1]["actor"]["display_name"] == "member"


def test_an_expert_publishes_a_public_copy_that_another_community_reads(app, client, world, h):
    c = resolved(client, h)

    after = published(client, h["expert"], c["id"])
    assert after["published_discussion_id"]
    assert [e["kind"] for e in after["events"]][-1] == "published"
    discussion, posts = copy_of(client, h["outsider"], after["published_discussion_id"])
    assert discussion["title"] == "SWOT для Громади А"
    assert [p["body"] for p in posts] == [
        "Як провести SWOT-аналіз у Громаді А?",
        "Почніть з профілю громади.",
    ]
    assert [p["author"]["display_name"] for p in posts] == ["member", "expert"]
    assert posts[1]["parent_id"] == posts[0]["id"]
    # guests read it too: it is a public forum
    assert client.get(f"/api/v1/discussions/{discussion['id']}/posts").status_code == 200
    # the original stays closed to the other community
    assert client.get(f"{API}/{c['id']}", headers=h["outsider"]).status_code == 404
    # the committee sees where it went
    assert get(client, h["member"], c["id"])["published_discussion_id"] == discussion["id"]


def test_notes_private_replies_and_hidden_posts_stay_out(app, client, world, h):
    c = open_(client, h["member"])
    answer = posted(client, h["expert"], c["id"], body="Публічна відповідь")
    posted(client, h["expert"], c["id"], body="Секретна нотатка zyx", path="notes")
    private = client.post(
        f"/api/v1/discussions/{c['discussion_id']}/posts",
        headers=h["expert"],
        json={"body": "Приватно qwv", "parent_id": answer["id"], "private": True},
    )
    assert private.status_code == 201, private.get_json()
    hidden = posted(client, h["member"], c["id"], body="Прихована репліка jjk")
    assert (
        client.put(f"/api/v1/posts/{hidden['id']}/hidden", headers=h["moderator"]).status_code
        == 200
    )
    moved(client, h["member"], c["id"], "resolved", rating=4)
    client.patch(f"{API}/{c['id']}", headers=h["member"], json={"publish_consent": "full"})
    after = published(client, h["moderator"], c["id"])
    _, posts = copy_of(client, h["admin"], after["published_discussion_id"])
    bodies = " ".join(p["body"] or "" for p in posts)
    assert "Публічна відповідь" in bodies
    for secret in ("zyx", "qwv", "jjk"):
        assert secret not in bodies


def test_who_may_publish_and_when(client, world, h):
    c = open_(client, h["member"])
    posted(client, h["expert"], c["id"], body="Відповідь")
    client.patch(f"{API}/{c['id']}", headers=h["member"], json={"publish_consent": "full"})
    early = publish(client, h["expert"], c["id"])
    assert early.status_code == 409
    assert "resolved" in early.get_json()["error"]["message"]
    moved(client, h["member"], c["id"], "resolved", rating=3)
    assert publish(client, h["member"], c["id"]).status_code == 403
    assert publish(client, h["trainee"], c["id"]).status_code == 403
    assert publish(client, h["other_expert"], c["id"]).status_code == 404
    assert publish(client, h["outsider"], c["id"]).status_code == 404
    published(client, h["expert"], c["id"])
    again = publish(client, h["moderator"], c["id"])
    assert again.status_code == 409
    taken_back = client.patch(
        f"{API}/{c['id']}", headers=h["member"], json={"publish_consent": "none"}
    )
    assert taken_back.status_code == 409
    assert "moderator" in taken_back.get_json()["error"]["message"]


def test_without_consent_or_against_it_nothing_is_published(client, world, h):
    c = resolved(client, h, consent="none")
    refused = publish(client, h["expert"], c["id"])
    assert refused.status_code == 409
    assert "not agreed" in refused.get_json()["error"]["message"]
    client.patch(f"{API}/{c['id']}", headers=h["member"], json={"publish_consent": "anonymised"})
    named = publish(client, h["expert"], c["id"], anonymise=False)
    assert named.status_code == 409
    assert "only anonymised" in named.get_json()["error"]["message"]
    assert get(client, h["expert"], c["id"])["published_discussion_id"] is None
    assert published(client, h["expert"], c["id"], anonymise=True)["published_discussion_id"]


def test_anonymised_copy_replaces_the_community_its_people_and_contacts(
    app, client, world, h, olena
):
    from tests.conftest import bearer

    olena_h = bearer(app, olena)
    c = open_(
        client,
        olena_h,
        title="Бюджет Громади А на 2025 рік",
        body="Я, Олена Коваль, секретар комітету Громади А. Пишіть на olena@hromada-a.gov.ua "
        "або +380 67 123 45 67. Колега @olena_k підтвердить. Стратегія на 2025-2030 роки.",
    )
    posted(client, h["expert"], c["id"], body="Пані Олено Коваль, радимо почати з бюджету громади.")
    posted(client, olena_h, c["id"], body="Дякую! Коваль.")
    moved(client, olena_h, c["id"], "resolved", rating=5)
    client.patch(f"{API}/{c['id']}", headers=olena_h, json={"publish_consent": "anonymised"})
    after = published(client, h["expert"], c["id"], anonymise=True)
    discussion, posts = copy_of(client, h["outsider"], after["published_discussion_id"])
    text = discussion["title"] + " ".join(p["body"] for p in posts)
    for leak in ("Громад", "Олена", "Олено", "Коваль", "olena", "123 45", "hromada-a"):
        assert leak not in text, leak
    with app.app_context():  # the marks are written in the site's language (Ukrainian)
        assert discussion["title"] == "Бюджет [громада] на 2025 рік"
    assert "2025-2030" in text  # years are not phone numbers
    assert "[член комітету]" in posts[0]["body"] and "[контакт]" in posts[0]["body"]
    authors = [p["author"]["display_name"] for p in posts]
    assert authors == ["Комітет громади", "expert", "Комітет громади"]
    # the account signing for the committee cannot sign in
    with app.app_context():
        account = db.session.get(User, posts[0]["author"]["id"])
        assert account.password_hash is None and not account.active


def test_files_are_left_out_unless_chosen(app, client, world, h):
    c = open_(client, h["member"])
    question = client.get(f"{API}/{c['id']}/posts", headers=h["member"]).get_json()["items"][0]
    pdf, image = attached(
        client, h["member"], question["id"], (PDF, "звіт.pdf"), (png(), "схема.png")
    )
    note = posted(client, h["expert"], c["id"], body="Нотатка", path="notes")
    [secret] = attached(client, h["expert"], note["id"], (png(seed=7), "внутрішнє.png"))
    posted(client, h["expert"], c["id"], body="Відповідь")
    moved(client, h["member"], c["id"], "resolved", rating=5)
    client.patch(f"{API}/{c['id']}", headers=h["member"], json={"publish_consent": "full"})

    refused = publish(client, h["expert"], c["id"], attachment_ids=[secret["id"]])
    assert refused.status_code == 422
    assert "attachment_ids" in refused.get_json()["error"]["fields"]
    after = published(client, h["expert"], c["id"], attachment_ids=[image["id"]])
    _, posts = copy_of(client, h["outsider"], after["published_discussion_id"])
    files = [a["filename"] for p in posts for a in p["attachments"]]
    assert files == ["схема.png"]
    copied = posts[0]["attachments"][0]
    got = download(client, copied["url"], h["outsider"])
    assert got.status_code == 200 and got.data == png()
    assert pdf["id"] != copied["id"]


def test_the_link_back_is_for_those_who_work_the_consultation(app, client, world, h, login_as):
    c = resolved(client, h)
    after = published(client, h["expert"], c["id"])
    url = f"/discussions/{after['published_discussion_id']}"
    original = f"/consultations/{c['id']}"
    for who, sees in (
        ("expert", True),
        ("moderator", True),
        ("member", False),
        ("outsider", False),
        ("other_expert", False),
    ):
        page = login_as(world.users[who]).get(url)
        assert page.status_code == 200
        assert (original in page.get_data(as_text=True)) is sees, who
    guest = client.get(url)
    assert guest.status_code == 200 and original not in guest.get_data(as_text=True)
    discussion, _ = copy_of(client, h["outsider"], after["published_discussion_id"])
    assert not [key for key in discussion if "consultation" in key]


def test_nobody_starts_discussions_in_the_knowledge_base_but_moderators(client, world, h):
    c = resolved(client, h)
    after = published(client, h["expert"], c["id"])
    space_id = client.get(
        f"/api/v1/discussions/{after['published_discussion_id']}", headers=h["member"]
    ).get_json()["space_id"]
    new = {"title": "Реклама", "body": "Купуйте"}
    for who in ("member", "expert"):
        assert (
            client.post(
                f"/api/v1/spaces/{space_id}/discussions", headers=h[who], json=new
            ).status_code
            == 403
        )
    assert (
        client.post(
            f"/api/v1/spaces/{space_id}/discussions", headers=h["moderator"], json=new
        ).status_code
        == 201
    )
    # replying is as in any forum
    reply = client.post(
        f"/api/v1/discussions/{after['published_discussion_id']}/posts",
        headers=h["outsider"],
        json={"body": "Дякуємо, корисно!"},
    )
    assert reply.status_code == 201


def test_followers_of_the_knowledge_base_hear_of_each_publication(client, world, h):
    first = resolved(client, h)
    after = published(client, h["expert"], first["id"])
    space_id = client.get(
        f"/api/v1/discussions/{after['published_discussion_id']}", headers=h["outsider"]
    ).get_json()["space_id"]
    follow = client.put(
        f"/api/v1/spaces/{space_id}/subscription", headers=h["outsider"], json={"subscribed": True}
    )
    assert follow.status_code == 200, follow.get_json()
    second = resolved(client, h, body="Які індикатори моніторингу обрати?")
    published(client, h["expert"], second["id"])
    items = client.get("/api/v1/notifications", headers=h["outsider"]).get_json()["items"]
    assert [n["text"] for n in items] == [
        "expert published “SWOT для Громади А” in the knowledge base"
    ]


def test_desk_notifications_say_what_happened(client, world, h):
    c = open_(client, h["member"], title="Як оцінити ризики?")
    posted(client, h["trainee"], c["id"], body="Нотатка", path="notes")
    posted(client, h["expert"], c["id"], body="Відповідь")
    expert = [
        n["text"]
        for n in client.get("/api/v1/notifications", headers=h["expert"]).get_json()["items"]
    ]
    assert "member asked the experts: “Як оцінити ризики?”" in expert
    assert "trainee wrote an internal note on “Як оцінити ризики?”" in expert
    member = [
        n["text"]
        for n in client.get("/api/v1/notifications", headers=h["member"]).get_json()["items"]
    ]
    # What happened, and (a kind of its own, which may be turned off) that it is their turn.
    assert sorted(member) == [
        "The consultation “Як оцінити ризики?” has an answer and awaits your reply",
        "expert replied to the consultation “Як оцінити ризики?”",
    ]
