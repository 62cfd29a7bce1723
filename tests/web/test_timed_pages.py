"""Timing a discussion on its page: the moderators' form, in the site's time zone."""

import re

from cop.discussions.models import Discussion
from cop.extensions import db


def test_a_moderator_times_a_discussion_from_its_page(app, world, login_as):
    forum = world.spaces["forum_signed"]
    member = login_as(world.users["member"])
    made = member.post(
        f"/spaces/{forum}/discussions/new", data={"title": "Оголошення", "body": "Текст"}
    )
    d = int(re.search(r"/discussions/(\d+)", made.headers["Location"]).group(1))
    assert 'name="display_from"' not in member.get(f"/discussions/{d}").text
    assert member.post(f"/discussions/{d}/period", data={"display_from": ""}).status_code == 403
    moderator = login_as(world.users["space_moderator"])
    assert 'name="display_from"' in moderator.get(f"/discussions/{d}").text
    saved = moderator.post(
        f"/discussions/{d}/period",
        data={"display_from": "2099-06-01T09:30", "display_until": ""},
    )
    assert saved.status_code == 302
    with app.app_context():
        stored = db.session.get(Discussion, d)
        assert stored.display_from.isoformat() == "2099-06-01T06:30:00+00:00"  # Kyiv, summer
        assert stored.display_until is None
    page = moderator.get(f"/discussions/{d}").text
    assert 'value="2099-06-01T09:30"' in page
    assert "Оголошення" in moderator.get(f"/spaces/{forum}").text
    assert member.get(f"/discussions/{d}").status_code == 404
    assert "Оголошення" not in member.get(f"/spaces/{forum}").text
    refused = moderator.post(
        f"/discussions/{d}/period",
        data={"display_from": "2099-06-01T09:30", "display_until": "2099-05-01T09:30"},
    )
    assert refused.status_code == 302
    flashed = moderator.get(f"/discussions/{d}").text
    assert 'value="2099-06-01T09:30"' in flashed and 'class="flash flash-error"' in flashed
    bad = moderator.post(f"/discussions/{d}/period", data={"display_from": "завтра"})
    assert bad.status_code == 302
