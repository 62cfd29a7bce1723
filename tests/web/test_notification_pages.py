"""The bell, the notifications page and the follow buttons, as a signed-in person sees them."""

import re

from tests.conftest import QueryCounter


def _start(client, space_id, title="Громадський бюджет", key="k1"):
    response = client.post(
        f"/spaces/{space_id}/discussions/new",
        data={"title": title, "body": "Як рахувати голоси?", "idempotency_key": key},
    )
    assert response.status_code == 302
    return response.headers["Location"]


def _bell(page: str) -> str | None:
    match = re.search(r'class="bell[^"]*"[^>]*>.*?</a>', page, re.S)
    badge = re.search(r'<span class="badge">(\d+)</span>', match.group(0)) if match else None
    return badge.group(1) if badge else None


def test_follow_a_forum_hear_of_a_reply_and_read_it(world, login_as):
    member, expert = login_as(world.users["member"]), login_as(world.users["expert"])
    forum = world.spaces["forum_signed"]
    forum_page = member.get(f"/spaces/{forum}").get_data(as_text=True)
    assert 'class="secondary">Стежити</button>' in forum_page
    followed = member.post(f"/spaces/{forum}/subscription", data={"subscribed": "1"})
    assert followed.status_code == 302
    followed_page = member.get(f"/spaces/{forum}").get_data(as_text=True)
    # the button names what it does; the state is said beside it
    assert "Ви стежите." in followed_page and ">Не стежити</button>" in followed_page
    url = _start(expert, forum)
    page = member.get("/").get_data(as_text=True)
    assert _bell(page) == "1"
    assert 'aria-label="Сповіщення, непрочитаних: 1"' in page
    listing = member.get("/notifications").get_data(as_text=True)
    assert "expert розпочинає обговорення «Громадський бюджет»" in listing
    link = re.search(r'href="(/notifications/\d+)"', listing).group(1)
    opened = member.get(link, follow_redirects=True)
    assert opened.request.path == url.split("?")[0].split("#")[0]  # the post's page
    assert "Як рахувати голоси?" in opened.get_data(as_text=True)
    assert _bell(member.get("/").get_data(as_text=True)) is None
    # someone else's notification is nobody else's business
    assert expert.get(link).status_code == 404


def test_unfollow_a_discussion_from_its_page(world, login_as):
    member = login_as(world.users["member"])
    url = _start(member, world.spaces["forum_signed"])
    page = member.get(url).get_data(as_text=True)
    action = re.search(r'action="(/discussions/\d+/subscription)"', page).group(1)
    assert ">Не стежити</button>" in page  # the author follows their own discussion
    member.post(action, data={"subscribed": "0"})
    assert ">Стежити</button>" in member.get(url).get_data(as_text=True)


def test_mark_all_notifications_read(world, login_as):
    member, expert = login_as(world.users["member"]), login_as(world.users["expert"])
    forum = world.spaces["forum_signed"]
    member.post(f"/spaces/{forum}/subscription", data={"subscribed": "1"})
    for n in range(3):
        _start(expert, forum, f"Тема {n}", key=f"k{n}")
    assert _bell(member.get("/notifications").get_data(as_text=True)) == "3"
    done = member.post("/notifications/read", follow_redirects=True).get_data(as_text=True)
    assert "Усі сповіщення позначено як прочитані." in done and _bell(done) is None


def test_guests_have_no_bell_and_no_notifications_page(client, world):
    assert 'class="bell' not in client.get("/").get_data(as_text=True)
    assert client.get("/notifications").status_code in (302, 401)


def test_choose_a_daily_digest_in_the_profile(world, login_as):
    member = login_as(world.users["member"])
    page = member.get("/profile").get_data(as_text=True)
    assert "@" + world.users["member"].username in page
    saved = member.post(
        "/profile",
        data={
            "form": "profile",
            "profile-display_name": "Олена",
            "profile-locale": "uk",
            "profile-email_mode": "digest",
        },
    )
    assert saved.status_code == 302
    page = member.get("/profile").get_data(as_text=True)
    assert re.search(r'<option selected value="digest">|<option value="digest" selected', page)


def test_the_notifications_page_costs_the_same_for_3_and_40_items(app, world, login_as):
    from cop.extensions import db

    member, expert = login_as(world.users["member"]), login_as(world.users["expert"])
    forum = world.spaces["forum_signed"]
    member.post(f"/spaces/{forum}/subscription", data={"subscribed": "1"})
    counts = []
    for n in range(40):
        _start(expert, forum, f"Тема {n}", key=f"q{n}")
        if n + 1 in (3, 40):
            with app.app_context(), QueryCounter(db.engine) as queries:
                page = member.get("/notifications").get_data(as_text=True)
            assert len(re.findall(r'href="/notifications/\d+"', page)) == min(n + 1, 30)
            counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_notification_about_a_post_hidden_since_leads_nowhere(app, world, login_as):
    from cop.discussions.models import Post
    from cop.extensions import db

    member, expert = login_as(world.users["member"]), login_as(world.users["expert"])
    forum = world.spaces["forum_signed"]
    member.post(f"/spaces/{forum}/subscription", data={"subscribed": "1"})
    _start(expert, forum, "Скоро приховають")
    link = re.search(r'href="(/notifications/\d+)"', member.get("/notifications").text).group(1)
    with app.app_context():
        db.session.query(Post).update({"hidden_at": db.func.now()})
        db.session.commit()
    assert member.get(link).status_code == 404
    assert "Скоро приховають" not in member.get("/notifications").text
