"""A consultation desk's discussions are consultations: a closed one refuses replies other
than internal notes, a reply moves the consultation along its life cycle in the same
transaction, and the discussion page leads to the consultation's own (cop.events). The
people a consultation's steps concern are told of them (cop/consultations/notices.py)."""

from flask import Flask, url_for
from sqlalchemy import select

from cop import events
from cop.consultations import notices, publishing, queries, service
from cop.consultations.events import ConsultationAssigned, ConsultationMoved
from cop.consultations.models import Consultation
from cop.discussions.events import MAY_REPLY, PAGE_CONTEXT, PAGE_ELSEWHERE, Replied
from cop.extensions import db
from cop.spaces.models import SpaceKind


def _is_consultation(discussion) -> bool:
    return discussion.space.kind == SpaceKind.CONSULTATION_DESK


def _may_reply(actor, discussion, internal: bool) -> None:
    if _is_consultation(discussion):
        service.check_reply(actor, discussion, internal)


def _replied(event: Replied) -> None:
    discussion = event.post.discussion
    if not _is_consultation(discussion):
        return
    consultation = db.session.scalar(
        select(Consultation).where(Consultation.discussion_id == discussion.id)
    )
    if consultation is not None:
        service.replied(event.actor, consultation, event.post)


def _page_elsewhere(discussion) -> str | None:
    if not _is_consultation(discussion):
        return None
    consultation_id = queries.id_for_discussion(discussion.id)
    return url_for("consultations.consultation", consultation_id=consultation_id)


def _page_context(user, discussion) -> dict:
    """The consultation a knowledge-base discussion was published from, for its staff."""
    return {"origin": publishing.origin(user, discussion)}


def register(app: Flask) -> None:
    events.register_hook(app, MAY_REPLY, _may_reply)
    events.subscribe(app, Replied, _replied)
    events.subscribe(app, ConsultationAssigned, notices.assigned)
    events.subscribe(app, ConsultationMoved, notices.moved)
    events.register_hook(app, PAGE_ELSEWHERE, _page_elsewhere)
    events.register_hook(app, PAGE_CONTEXT, _page_context)
