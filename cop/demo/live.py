"""The demo's live Q&A (live.yaml): a session in progress, with questions, votes, a
highlight and an answer, and an ended one with its archive. Written through
cop.live.service, so the policy checks every step; only the ended one's times are set
afterwards."""

from datetime import timedelta

from sqlalchemy import select

from cop.accounts.models import User
from cop.db import utcnow
from cop.demo import data
from cop.extensions import db
from cop.live import service
from cop.live.models import LiveQuestion
from cop.spaces.models import Space


def load_live(people: dict[str, User], spaces: dict[str, Space]) -> None:
    """Both sessions. Commits."""
    content = data.read("live.yaml")
    space = spaces[content["space"]]
    _in_progress(people, space, content["in_progress"])
    _ended(people, space, content["ended"])


def _in_progress(people: dict[str, User], space: Space, content: dict) -> None:
    host, moderator = people[content["host"]], people[content["moderator"]]
    session = service.schedule_session(
        host,
        space,
        title=content["title"],
        description=content["description"],
        scheduled_at=utcnow() - timedelta(minutes=content["minutes_ago"]),
        moderated=True,
        moderator_ids=[moderator.id],
    )
    service.start_session(host, session)
    asked = []
    for item in content["questions"]:
        question = service.ask(
            people[item["who"]], session, item["text"], item.get("anonymous", False)
        )
        service.moderate(moderator, question, "approve")
        for voter in item["voters"]:
            service.vote(people[voter], question)
        asked.append((item, question))
    for item, question in asked:
        if "answer" in item:
            service.answer(host, question, item["answer"])
    for item, question in asked:
        if item.get("highlighted"):
            service.highlight(host, session, question)
    for item in content["pending"]:
        service.ask(people[item["who"]], session, item["text"])


def _ended(people: dict[str, User], space: Space, content: dict) -> None:
    host = people[content["host"]]
    started = utcnow() - timedelta(days=content["days_ago"])
    session = service.schedule_session(
        host,
        space,
        title=content["title"],
        description=content["description"],
        scheduled_at=started,
    )
    service.start_session(host, session)
    for item in content["questions"]:
        question = service.ask(people[item["who"]], session, item["text"])
        for voter in item["voters"]:
            service.vote(people[voter], question)
        service.answer(host, question, item["answer"])
    service.end_session(host, session)
    session.started_at, session.ended_at = started, started + timedelta(hours=1)
    for question in db.session.scalars(
        select(LiveQuestion).where(LiveQuestion.session_id == session.id)
    ):
        question.created_at = started + timedelta(minutes=10 + question.id % 40)
    db.session.commit()
