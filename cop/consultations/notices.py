"""Whom a consultation's steps concern (cop/notifications/workflow.py tells them, in the
step's transaction, if they may read the question and want to hear of it): the person
assigned; the committee when the experts answer or ask it something; the experts who
worked it when the committee rates the answer."""

from sqlalchemy import select

from cop import policy
from cop.consultations.events import ConsultationAssigned, ConsultationMoved
from cop.consultations.models import Consultation, Status
from cop.discussions.models import Post
from cop.extensions import db
from cop.notifications import workflow
from cop.notifications.models import NotificationKind
from cop.orgs.models import CommitteeMembership
from cop.policy import Party

FOR_THE_COMMITTEE = (Status.ANSWERED, Status.AWAITING_COMMITTEE)  # it is their turn


def _question(consultation: Consultation) -> Post:
    return db.session.scalar(
        select(Post).where(
            Post.discussion_id == consultation.discussion_id, Post.parent_id.is_(None)
        )
    )


def assigned(event: ConsultationAssigned) -> None:
    consultation = event.consultation
    workflow.notify(
        NotificationKind.ASSIGNED,
        [event.assignee],
        event.actor.id,
        post=_question(consultation),
    )


def moved(event: ConsultationMoved) -> None:
    consultation = event.consultation
    answered = event.to_status == Status.ANSWERED and event.from_status not in FOR_THE_COMMITTEE
    if answered or event.to_status == Status.AWAITING_COMMITTEE:  # or they ask it something
        _tell_committee(event)
    elif event.to_status == Status.RESOLVED and consultation.rating is not None:
        workflow.notify(
            NotificationKind.RATED,
            _who_worked_it(consultation),
            event.actor.id,
            post=_question(consultation),
        )


def _who_worked_it(consultation: Consultation) -> list:
    """Its assignees, and the desk's experts and trainees who answered it in public."""
    answered = db.session.scalars(
        select(Post.author_id).where(
            Post.discussion_id == consultation.discussion_id,
            Post.parent_id.is_not(None),
            Post.internal.is_(False),
            Post.private_to_id.is_(None),
            Post.deleted_at.is_(None),
        )
    )
    space = consultation.discussion.space
    people = workflow.active_users({*answered, *(a.user_id for a in consultation.assignees)})
    return [u for u in people if Party.TEAM in policy.desk_parties(u, space)]


def _tell_committee(event: ConsultationMoved) -> None:
    """The committee, unless one of its own made the move (its reply answers the wait)."""
    consultation = event.consultation
    if Party.COMMITTEE in policy.desk_parties(event.actor, consultation.discussion.space):
        return
    members = db.session.scalars(
        select(CommitteeMembership.user_id).where(
            CommitteeMembership.community_id == consultation.community_id
        )
    )
    workflow.notify(
        NotificationKind.AWAITING,
        workflow.active_users(members),
        event.actor.id,
        post=_question(consultation),
    )
