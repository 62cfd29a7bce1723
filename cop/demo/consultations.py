"""The demo's consultations (consultations.yaml): each community asks its expert group
about preparing its strategy, in every state of the life cycle, with internal notes,
ratings and one answer published to the knowledge base. Written through the consultation
and discussion services, as people would; only the times are set afterwards, spread over
the last five months, so the figures page has months to show."""

from datetime import datetime, timedelta

from sqlalchemy import select

from cop.accounts.models import User
from cop.consultations import publishing, service
from cop.consultations.models import Consultation, ConsultationEvent, EventKind, Status
from cop.db import utcnow
from cop.demo import data
from cop.demo.forum import settle_notifications
from cop.discussions import service as discussions
from cop.discussions.models import Discussion, DiscussionRead, Post
from cop.extensions import db
from cop.orgs.models import Community, ThematicPlatform


def load_consultations(people: dict[str, User]) -> None:
    """Every consultation of consultations.yaml, the oldest first; then their times.
    Commits."""
    names = {key: item["name"] for key, item in data.read("people.yaml")["communities"].items()}
    communities = {
        key: db.session.scalar(select(Community.id).where(Community.name == name))
        for key, name in names.items()
    }
    platforms = {p.slug: p.id for p in db.session.scalars(select(ThematicPlatform))}
    read_until: dict[tuple[int, int], datetime] = {}
    for item in sorted(data.read("consultations.yaml")["consultations"], key=lambda c: -c["days"]):
        _write(item, people, communities, platforms, read_until)
    settle_notifications({d for _, d in read_until}, read_until)
    db.session.commit()


def _write(item: dict, people, communities, platforms, read_until) -> None:
    consultation = service.open_consultation(
        people[item["who"]],
        title=item["title"],
        body=item["body"],
        community_id=communities[item["community"]],
        platform_id=platforms.get(item.get("platform")),
    )
    moment = _start(item["days"])
    seen: set = set()
    _date(consultation, moment, seen, read_until)
    consultation.created_at = consultation.discussion.created_at = moment
    for step in item.get("steps", []):
        moment += timedelta(hours=step.get("hours", 5))
        answered_before = consultation.first_response_at is not None
        _do(step, consultation, people)
        _date(consultation, moment, seen, read_until)
        if consultation.first_response_at is not None and not answered_before:
            consultation.first_response_at = moment
        if step["do"] == "move" and step["to"] == Status.RESOLVED:
            consultation.resolved_at = moment
        if step["do"] == "move" and step["to"] == Status.CLOSED:
            consultation.closed_at = moment
    public = [p for p in _posts(consultation) if not p.internal]
    consultation.discussion.last_post_at = public[-1].created_at
    db.session.commit()


def _start(days: float) -> datetime:
    start = utcnow() - timedelta(days=days)
    return start.replace(hour=7 + int(days * 7) % 8, minute=int(days * 13) % 60)


def _do(step: dict, consultation: Consultation, people) -> None:
    """One step: `reply` (public) or `note` (internal) writes `text`; `take` assigns the
    consultation to its actor; `move` changes its status `to` (resolving takes a `rating`
    and a comment); `consent` sets the publishing consent `to`; `publish` publishes it,
    anonymised if `to` says so."""
    actor, action, text = people[step["who"]], step["do"], step.get("text")
    if action in ("reply", "note"):
        discussions.reply(actor, consultation.discussion, body=text, internal=action == "note")
    elif action == "take":
        service.change_assignees(actor, consultation, add=[actor.id])
    elif action == "move":
        service.transition(actor, consultation, step["to"], rating=step.get("rating"), comment=text)
    elif action == "consent":
        service.update_consultation(actor, consultation, publish_consent=step["to"])
    elif action == "publish":
        publishing.publish(actor, consultation, anonymise=step.get("to") == "anonymised")
    else:
        raise ValueError(action)


def _posts(consultation: Consultation) -> list[Post]:
    return list(
        db.session.scalars(
            select(Post).where(Post.discussion_id == consultation.discussion_id).order_by(Post.id)
        )
    )


def _date(consultation: Consultation, moment: datetime, seen: set, read_until) -> None:
    """The posts, events, read marks and published copy a step wrote take its moment."""
    events = db.session.scalars(
        select(ConsultationEvent).where(ConsultationEvent.consultation_id == consultation.id)
    )
    for row in [*_posts(consultation), *events]:
        if (type(row), row.id) in seen:
            continue
        seen.add((type(row), row.id))
        row.created_at = moment
        if isinstance(row, Post):
            read_until[row.author_id, row.discussion_id] = moment
            for read in db.session.scalars(
                select(DiscussionRead).where(
                    DiscussionRead.discussion_id == row.discussion_id,
                    DiscussionRead.user_id == row.author_id,
                )
            ):
                read.read_until = moment
        if isinstance(row, ConsultationEvent) and row.kind == EventKind.PUBLISHED:
            copy = db.session.get(Discussion, row.detail["discussion_id"])
            copy.created_at = moment
