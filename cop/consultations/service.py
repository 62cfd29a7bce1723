"""Consultations: the only code that writes them. The question and the replies are a
discussion written by cop.discussions.service; here are opening, assignment, the moves
of the life cycle (cop/consultations/lifecycle.py), the rating and the timeline. Each
function asks the policy, validates, writes and commits once.

A community without a consultation desk gets one when its committee opens its first
consultation (a community's desk is its oldest consultation-desk space)."""

from collections.abc import Iterable

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import FileStorage

from cop import events, inputs, policy
from cop.accounts.models import User
from cop.attachments import service as attachments
from cop.attachments.queries import ID_MAX
from cop.consultations import lifecycle
from cop.consultations.events import ConsultationAssigned, ConsultationMoved
from cop.consultations.lifecycle import Trigger
from cop.consultations.models import (
    RATING_COMMENT_MAX,
    RATING_MAX,
    RATING_MIN,
    Consent,
    Consultation,
    ConsultationAssignee,
    ConsultationEvent,
    EventKind,
    Status,
)
from cop.courses.models import CourseModule
from cop.db import utcnow
from cop.discussions import idempotency
from cop.discussions import service as discussions
from cop.discussions.models import Discussion, Post
from cop.errors import Conflict, Forbidden, Invalid
from cop.extensions import db
from cop.orgs.models import Community, ThematicPlatform
from cop.policy import Party
from cop.spaces.models import TITLE_MAX as SPACE_TITLE_MAX
from cop.spaces.models import Space, SpaceKind, Visibility
from cop.text import check_body


def _get(model, id_: int | None):
    return db.session.get(model, id_) if id_ is not None and 0 < id_ <= ID_MAX else None


def desk_of(community_id: int) -> Space | None:
    return db.session.scalar(
        select(Space)
        .where(Space.kind == SpaceKind.CONSULTATION_DESK, Space.community_id == community_id)
        .order_by(Space.id)
        .limit(1)
    )


def _new_desk(community: Community) -> Space:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        title = _("Consultations: %(name)s", name=community.name)
    return Space(
        kind=SpaceKind.CONSULTATION_DESK,
        visibility=Visibility.MEMBERS,
        title=title[:SPACE_TITLE_MAX],
        description="",
        community_id=community.id,
    )


def _community_for(actor, community_id: int | None) -> Community:
    """The community asked for, or the actor's own committee's if there is just one."""
    if community_id is None:
        own = sorted(policy.facts(actor).committee_community_ids)
        if not own and not policy.can(actor, policy.MODERATE, policy.SITE):
            raise Forbidden(_("Consultations are opened by a community's committee."))
        if len(own) != 1:
            raise Invalid(fields={"community_id": _("Choose the community to ask for.")})
        community_id = own[0]
    community = _get(Community, community_id)
    if community is None:
        raise Invalid(fields={"community_id": _("There is no such community.")})
    return community


def _platform(platform_id: int | None) -> ThematicPlatform | None:
    if platform_id is None:
        return None
    platform = _get(ThematicPlatform, platform_id)
    if platform is None:
        raise Invalid(fields={"platform_id": _("There is no such thematic platform.")})
    return platform


def record_event(consultation: Consultation, actor, kind: EventKind, **fields) -> None:
    db.session.add(
        ConsultationEvent(consultation_id=consultation.id, actor_id=actor.id, kind=kind, **fields)
    )


def open_consultation(
    actor,
    *,
    title: str,
    body: str,
    community_id: int | None = None,
    platform_id: int | None = None,
    module_id: int | None = None,
    idempotency_key: str | None = None,
    files: Iterable[FileStorage] = (),
) -> Consultation:
    """A committee member (or staff, naming the community) asks the community's expert
    group: the question starts a discussion on the community's desk, created if there is
    none, and everyone following the desk (its experts and trainees by default) is
    notified. A module_id must name a course module the author may read. A repeated
    idempotency key returns the first consultation. Commits."""
    request = idempotency.fingerprint(
        "consultation",
        community_id or 0,
        title=title,
        body=body,
        platform_id=platform_id,
        module_id=module_id,
    )
    earlier = idempotency.replayed(actor, idempotency_key, "consultation", request, Consultation)
    if earlier is not None:
        return earlier
    community = _community_for(actor, community_id)
    desk = desk_of(community.id) or _new_desk(community)
    policy.require(actor, policy.POST, desk)
    title, body = discussions.check_title(title), check_body(body)
    platform = _platform(platform_id)
    if module_id is not None:
        module = db.session.get(CourseModule, module_id) if module_id <= ID_MAX else None
        if module is None or not policy.can(actor, policy.VIEW, module):
            raise Invalid(fields={"module_id": _("There is no such course module.")})
    uploads = attachments.stage_uploads(desk, files)
    try:
        db.session.add(desk)
        discussion = discussions.write_discussion(actor, desk, title, body, community.id, uploads)
        consultation = Consultation(
            discussion=discussion,
            community_id=community.id,
            platform_id=platform.id if platform else None,
            module_id=module_id,
            status=Status.NEW,
            created_at=discussion.created_at,
        )
        db.session.add(consultation)
        db.session.flush()
        record_event(consultation, actor, EventKind.CREATED, to_status=Status.NEW)
        return idempotency.commit_once(
            actor, idempotency_key, "consultation", request, Consultation, consultation
        )
    finally:
        attachments.discard(uploads)


def _parties(actor, consultation: Consultation) -> frozenset[Party]:
    return policy.desk_parties(actor, consultation.discussion.space)


def _move(actor, consultation: Consultation, to: Status, trigger: Trigger, **detail) -> None:
    """Make one move of the life cycle, if the actor may, and record it. The status is
    changed only if nobody changed it meanwhile (else Conflict, or nothing for a reply's
    move), so two people clicking at once cannot both move it."""
    current = consultation.status
    move = lifecycle.check(
        current, to, trigger, _parties(actor, consultation), bool(consultation.assignees)
    )
    if move.self_assign:
        _add_assignee(actor, consultation, actor)
    now = utcnow()
    values: dict = {"status": to}
    if to == Status.RESOLVED:
        values |= {"resolved_at": now, "rating": detail.get("rating")}
        values["rating_comment"] = detail.get("comment")
    elif to == Status.CLOSED:
        values["closed_at"] = now
    elif current in (Status.RESOLVED, Status.CLOSED):  # reopened
        values |= {"resolved_at": None, "closed_at": None, "rating": None}
        values["rating_comment"] = None
    changed = db.session.execute(
        update(Consultation)
        .where(Consultation.id == consultation.id, Consultation.status == current)
        .values(**values),
        execution_options={"synchronize_session": False},
    ).rowcount
    if not changed:
        if trigger == Trigger.REPLY:  # a reply is never lost to a race (its move is skipped)
            return
        raise Conflict(_("The consultation has just changed. Reload the page and try again."))
    for name, value in values.items():
        set_committed_value(consultation, name, value)
    record_event(
        consultation,
        actor,
        EventKind.STATUS,
        from_status=current,
        to_status=to,
        detail={k: v for k, v in detail.items() if v is not None},
    )
    events.publish(ConsultationMoved(actor, consultation, current, to))


def _check_rating(rating, comment: str | None) -> tuple[int, str | None]:
    if rating is None:
        raise Invalid(fields={"rating": _("Rate the answer from 1 to 5 to resolve.")})
    if isinstance(rating, bool) or not isinstance(rating, int):
        raise Invalid(fields={"rating": _("Expected a whole number.")})
    if not RATING_MIN <= rating <= RATING_MAX:
        raise Invalid(fields={"rating": _("From 1 to 5.")})
    comment = inputs.check_note(comment, "comment", RATING_COMMENT_MAX) or None
    return rating, comment


def transition(
    actor,
    consultation: Consultation,
    to: Status | str,
    *,
    rating: int | None = None,
    comment: str | None = None,
) -> Consultation:
    """Ask for a move of the life cycle, as its table allows the actor's party
    (cop/consultations/lifecycle.py): Conflict for a move that is not allowed from the
    current status, Forbidden for one that is not the actor's, and nothing changes.
    Resolving is the committee's, with a rating from 1 to 5 and an optional comment;
    no other move takes a rating. Commits."""
    policy.require(actor, policy.VIEW, consultation)
    try:
        to = Status(to)
    except ValueError:
        values = ", ".join(s.value for s in Status)
        raise Invalid(fields={"to": _("Must be one of: %(values)s.", values=values)}) from None
    parties = _parties(actor, consultation)
    if not parties:
        raise Forbidden()
    # the move itself is checked first: a move that is not allowed is refused as such,
    # whatever the rating says (`_move` checks again, as for every other way to move)
    lifecycle.check(consultation.status, to, Trigger.REQUEST, parties, bool(consultation.assignees))
    if to == Status.RESOLVED:
        rating, comment = _check_rating(rating, comment)
    elif rating is not None or comment:
        raise Invalid(fields={"rating": _("A rating is given when resolving.")})
    _move(actor, consultation, to, Trigger.REQUEST, rating=rating, comment=comment)
    db.session.commit()
    return consultation


def rate(actor, consultation: Consultation, rating, comment: str | None = None) -> Consultation:
    """The committee resolves the consultation with its rating (see `transition`). Commits."""
    return transition(actor, consultation, Status.RESOLVED, rating=rating, comment=comment)


def _add_assignee(actor, consultation: Consultation, person: User) -> None:
    if any(a.user_id == person.id for a in consultation.assignees):
        return
    consultation.assignees.append(
        ConsultationAssignee(user_id=person.id, assigned_by_id=actor.id, assigned_at=utcnow())
    )
    record_event(consultation, actor, EventKind.ASSIGNED, subject_id=person.id)
    events.publish(ConsultationAssigned(actor, consultation, person))


def _change_assignees(actor, consultation: Consultation, add: set[int], remove: set[int]) -> None:
    space = consultation.discussion.space
    if not _parties(actor, consultation) & {Party.TEAM, Party.STAFF}:
        raise Forbidden(_("Consultations are assigned by their experts and moderators."))
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(add | remove)))}
    for user_id in add | remove:
        person = people.get(user_id)
        if person is not None and not policy.may_assign(actor, space, person):
            raise Forbidden(_("Experts and trainees assign only themselves."))
    for user_id in add:
        person = people.get(user_id)
        if person is None or not policy.assignable(space, person):
            raise Invalid(
                fields={"assignee_ids": _("Only the desk's experts and trainees can be assigned.")}
            )
    for user_id in sorted(add):
        _add_assignee(actor, consultation, people[user_id])
    for assignee in [a for a in consultation.assignees if a.user_id in remove]:
        consultation.assignees.remove(assignee)
        record_event(consultation, actor, EventKind.UNASSIGNED, subject_id=assignee.user_id)
    db.session.flush()
    if consultation.status == Status.NEW and consultation.assignees:
        _move(actor, consultation, Status.ASSIGNED, Trigger.ASSIGNMENT)
    elif consultation.status == Status.ASSIGNED and not consultation.assignees:
        _move(actor, consultation, Status.NEW, Trigger.ASSIGNMENT)


def change_assignees(
    actor, consultation: Consultation, *, add: Iterable[int] = (), remove: Iterable[int] = ()
) -> Consultation:
    """Experts and trainees of the desk take a consultation on or give it up; staff
    assign and unassign any of them (policy.may_assign). The first assignee moves a new
    consultation to assigned, removing the last moves it back to new. Commits."""
    policy.require(actor, policy.VIEW, consultation)
    _change_assignees(actor, consultation, set(add), set(remove))
    db.session.commit()
    return consultation


def _set_consent(actor, consultation: Consultation, consent) -> None:
    """The committee agrees to publishing in the knowledge base (anonymised only, or in
    full) or takes its agreement back; once published, a moderator takes the copy down
    instead (cop/consultations/publishing.py)."""
    if not policy.can(actor, "consent", consultation):
        raise Forbidden(_("Only the community's committee decides about publishing."))
    try:
        consent = Consent(consent)
    except ValueError:
        values = ", ".join(c.value for c in Consent)
        raise Invalid(
            fields={"publish_consent": _("Must be one of: %(values)s.", values=values)}
        ) from None
    if consent == consultation.publish_consent:
        return
    if consultation.published_discussion_id is not None:
        raise Conflict(_("It is already published: ask a moderator to take the copy down first."))
    consultation.publish_consent = consent
    record_event(consultation, actor, EventKind.CONSENT, detail={"consent": consent.value})


def update_consultation(actor, consultation: Consultation, **changes) -> Consultation:
    """Change any of: `title` (whoever may edit the question, as for any discussion),
    `platform_id` (the committee, the experts and staff; None clears it), `assignee_ids`
    (the whole list; see `change_assignees`), `publish_consent` (the committee).
    Everything is checked before anything is kept. Commits."""
    policy.require(actor, policy.VIEW, consultation)
    if "publish_consent" in changes:
        _set_consent(actor, consultation, changes["publish_consent"])
    if "title" in changes:
        policy.require_edit(actor, discussions.first_post(consultation.discussion))
        consultation.discussion.title = discussions.check_title(changes["title"])
    if "platform_id" in changes:
        if not _parties(actor, consultation):
            raise Forbidden()
        platform = _platform(changes["platform_id"])
        new_id = platform.id if platform else None
        if new_id != consultation.platform_id:
            record_event(
                consultation,
                actor,
                EventKind.PLATFORM,
                detail={"from": consultation.platform_id, "to": new_id},
            )
            consultation.platform_id = new_id
            consultation.platform = platform
    if "assignee_ids" in changes:
        wanted = set(changes["assignee_ids"] or ())
        current = {a.user_id for a in consultation.assignees}
        _change_assignees(actor, consultation, wanted - current, current - wanted)
    db.session.commit()
    return consultation


# --- replies (called by cop.discussions.service.reply) -----------------------------------


def check_reply(actor, discussion: Discussion, internal: bool) -> Consultation | None:
    """Before a reply is written: a closed consultation takes internal notes only."""
    consultation = db.session.scalar(
        select(Consultation).where(Consultation.discussion_id == discussion.id)
    )
    if consultation is not None and consultation.status == Status.CLOSED and not internal:
        raise Conflict(_("This consultation is closed. Reopen it to write more."))
    return consultation


def replied(actor, consultation: Consultation, post: Post) -> None:
    """After a reply is written, in its transaction: the first public reply by the desk's
    experts or trainees is the first response and answers a new or assigned consultation;
    the committee's reply to a consultation awaiting it answers the wait. Internal notes
    and private replies change nothing."""
    if post.internal or post.private_to_id is not None:
        return
    parties = _parties(actor, consultation)
    if Party.TEAM in parties:
        if consultation.first_response_at is None:
            consultation.first_response_at = post.created_at
        if consultation.status in (Status.NEW, Status.ASSIGNED):
            _move(actor, consultation, Status.ANSWERED, Trigger.REPLY)
    if Party.COMMITTEE in parties and consultation.status == Status.AWAITING_COMMITTEE:
        _move(actor, consultation, Status.ANSWERED, Trigger.REPLY)
