"""The posting limit on consultation pages: a 429 with Retry-After, the form kept."""

import re

import pytest


@pytest.fixture
def app_config():
    return {"COP_POST_LIMIT": "1 per minute"}


def test_a_second_question_within_the_minute_is_a_429_with_the_text_kept(world, login_as):
    member = login_as(world.users["member"])
    first = member.post(
        "/consultations/new", data={"title": "Перше", "body": "Як?", "idempotency_key": "a"}
    )
    assert first.status_code == 302
    second = member.post(
        "/consultations/new", data={"title": "Друге", "body": "Мій текст", "idempotency_key": "b"}
    )
    assert second.status_code == 429 and int(second.headers["Retry-After"]) > 0
    page = second.get_data(as_text=True)
    assert "Забагато" in page and "Мій текст</textarea>" in page


def test_a_second_note_within_the_minute_is_a_429(world, login_as):
    member, expert = login_as(world.users["member"]), login_as(world.users["expert"])
    url = member.post(
        "/consultations/new", data={"title": "Перше", "body": "Як?", "idempotency_key": "a"}
    ).headers["Location"]
    cid = re.search(r"/consultations/(\d+)", url).group(1)
    note = {"note-body": "Нотатка", "note-idempotency_key": "n1"}
    assert expert.post(f"/consultations/{cid}/notes", data=note).status_code == 302
    again = expert.post(f"/consultations/{cid}/notes", data={**note, "note-idempotency_key": "n2"})
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0
