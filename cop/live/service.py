"""Live sessions, questions and votes: the only code that writes them. Each function asks
the policy, validates, writes and commits once; what it publishes to the session's sockets
(cop/live/broadcast.py) is queued before the commit and sent only once it stands."""

from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from cop import inputs, policy, rate_limits
from cop.accounts.models import User
from cop.dates import exact
from cop.db import utcnow
from cop.discussions import service as discussions
from cop.errors import Conflict, Invalid
from cop.extensions import db
from cop.live import broadcast
from cop.live.models import (
    ANSWER_MAX,
    QUESTION_MAX,
    TITLE_MAX,
    LiveQuestion,
    LiveSession,
    LiveStaff,
    LiveVote,
    QuestionStatus,
    SessionStatus,
    StaffRole,
)
from cop.spaces.models import Space
from cop.text import MARKS_MAX, check_body, check_marks

DESCRIPTION_MAX = 4000
# The archive renders the description, and each question (quoted: every line gains a `>`)
# with its answer, as one post: these keep each within a post's formatting cap.
DESCRIPTION_MARKS, QUESTION_MARKS, ANSWER_MARKS = MARKS_MAX // 2, MARKS_MAX // 5, MARKS_MAX // 2
MODERATION = {"approve": QuestionStatus.VISIBLE, "hide": QuestionStatus.HIDDEN}


def _people(ids, field: str) -> list[User]:
    ids = sorted(set(ids))
    people = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    if len(people) != len(ids):
        raise Invalid(fields={field: _("There is no such person.")})
    return people


def schedule_session(
    actor,
    space: Space,
    *,
    title: str,
    scheduled_at: datetime,
    description: str = "",
    moderated: bool = False,
    anonymous_allowed: bool = True,
    max_question_length: int = 300,
    host_ids: list[int] = (),
    moderator_ids: list[int] = (),
) -> LiveSession:
    """Experts and staff schedule a session in a forum or live space they may post in.
    Hosts must be experts or staff; without any, the actor hosts. Commits."""
    policy.require(actor, policy.VIEW, space)
    if not policy.can_schedule_live(actor, space):
        raise Conflict(_("Live sessions cannot be scheduled here."))
    title = inputs.check_line(title, "title", TITLE_MAX)
    description = inputs.check_note(description, "description", DESCRIPTION_MAX)
    check_marks(description, "description", DESCRIPTION_MARKS)
    if scheduled_at.tzinfo is None:
        raise Invalid(fields={"scheduled_at": _("Give the time with its time zone.")})
    inputs.check_date(scheduled_at, "scheduled_at")
    if not 10 <= max_question_length <= QUESTION_MAX:
        raise Invalid(
            fields={
                "max_question_length": _(
                    "Between %(low)s and %(high)s characters.", low=10, high=QUESTION_MAX
                )
            }
        )
    hosts = _people(host_ids or [actor.id], "host_ids")
    if not all(policy.may_host(h) for h in hosts):
        raise Invalid(fields={"host_ids": _("Hosts are experts or moderators.")})
    moderators = [m for m in _people(moderator_ids, "moderator_ids") if m not in hosts]
    if not all(m.active for m in moderators):
        raise Invalid(fields={"moderator_ids": _("There is no such person.")})
    session = LiveSession(
        space_id=space.id,
        title=title,
        description=description,
        scheduled_at=scheduled_at,
        moderated=moderated,
        anonymous_allowed=anonymous_allowed,
        max_question_length=max_question_length,
        created_by_id=actor.id,
        staff=[LiveStaff(user_id=h.id, role=StaffRole.HOST) for h in hosts]
        + [LiveStaff(user_id=m.id, role=StaffRole.MODERATOR) for m in moderators],
    )
    db.session.add(session)
    db.session.commit()
    return session


def _host(actor, session: LiveSession) -> None:
    policy.require(actor, "host", session)


def start_session(actor, session: LiveSession) -> LiveSession:
    """Hosts open a scheduled session. Commits, publishes `session`."""
    _host(actor, session)
    if session.status != SessionStatus.SCHEDULED:
        raise Conflict(_("Only a scheduled session can start."))
    session.status = SessionStatus.LIVE
    session.started_at = utcnow()
    broadcast.session_changed(session)
    db.session.commit()
    return session


def end_session(actor, session: LiveSession) -> LiveSession:
    """Hosts end a session; its visible questions and answers become a discussion in its
    space (the archive). Commits, publishes `session`."""
    _host(actor, session)
    if session.status == SessionStatus.ENDED:
        raise Conflict(_("This session has ended."))
    session.status = SessionStatus.ENDED
    session.ended_at = utcnow()
    session.highlighted_id = None
    # The archive is shared writing: in the site's language, not the host's.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        session.archive_id = _archive(actor, session).id
    broadcast.session_changed(session)
    db.session.commit()
    return session


def _archive(actor, session: LiveSession):
    questions = list(
        db.session.scalars(
            select(LiveQuestion)
            .where(
                LiveQuestion.session_id == session.id,
                LiveQuestion.status == QuestionStatus.VISIBLE,
            )
            .order_by(*ORDER)
        )
    )
    hosts = ", ".join(s.user.display_name for s in session.staff if s.role == StaffRole.HOST)
    intro = _(
        "Questions and answers of the live session “%(title)s” (%(when)s). Hosts: %(hosts)s. "
        "Questions: %(n)s.",
        title=session.title,
        when=exact(session.started_at or session.scheduled_at),
        hosts=hosts,
        n=len(questions),
    )
    if session.description:
        intro += "\n\n" + session.description
    title = _("Live Q&A: %(title)s", title=session.title)[:TITLE_MAX]
    discussion = discussions.write_discussion(actor, session.space, title, intro, None)
    discussions.write_replies(actor, discussion, [_archived_question(q) for q in questions])
    return discussion


def _archived_question(question: LiveQuestion) -> str:
    who = _("anonymous") if question.anonymous else question.author.display_name
    quoted = "\n".join("> " + line for line in question.text.splitlines())
    body = _("**Question** from %(who)s (votes: %(n)s):", who=who, n=question.vote_count)
    body += "\n\n" + quoted
    if question.answer:
        body += "\n\n" + _("**Answer:** %(answer)s", answer=question.answer)
    return body


ORDER = (LiveQuestion.vote_count.desc(), LiveQuestion.created_at, LiveQuestion.id)


def _rate(limit_key: str, scope: str, actor) -> None:
    rate_limits.hit(limit_key, f"live-{scope}", rate_limits.requester(actor))


def _open(session: LiveSession) -> None:
    if session.status == SessionStatus.ENDED:
        raise Conflict(_("This session has ended."))


def ask(
    actor, session: LiveSession, text: str, anonymous: bool = False, key: str | None = None
) -> LiveQuestion:
    """Whoever may take part asks, within the session's length limit and the per-person
    rate; anonymous only where the session allows it. In a moderated session the question
    waits for approval (hosts' and moderators' own go straight up). Asked again with the
    same `key` (the client's retry after a timeout or a 503), it returns the question
    asked first and changes nothing. Commits, publishes."""
    policy.require(actor, "ask", session)
    if key is not None:
        inputs.check_line(key, "key", KEY_MAX)
        earlier = _asked(actor, session, key)
        if earlier is not None:
            return earlier
    _open(session)
    text = check_body(text, "text", session.max_question_length, QUESTION_MARKS)
    if anonymous and not session.anonymous_allowed:
        raise Invalid(fields={"anonymous": _("This session does not take anonymous questions.")})
    _rate("COP_LIVE_ASK_LIMIT", "ask", actor)
    waits = session.moderated and not policy.can(actor, policy.MODERATE, session)
    question = LiveQuestion(
        session_id=session.id,
        author=actor,
        text=text,
        anonymous=anonymous,
        status=QuestionStatus.PENDING if waits else QuestionStatus.VISIBLE,
        client_key=key,
    )
    db.session.add(question)
    try:
        db.session.flush()
    except IntegrityError:  # the same key, a moment earlier, from another socket
        db.session.rollback()
        earlier = _asked(actor, session, key)
        if earlier is None:
            raise
        return earlier
    broadcast.question_changed(question, was_visible=False)
    db.session.commit()
    return question


KEY_MAX = 64


def _asked(actor, session: LiveSession, key: str) -> LiveQuestion | None:
    return db.session.scalar(
        select(LiveQuestion).where(
            LiveQuestion.session_id == session.id,
            LiveQuestion.author_id == actor.id,
            LiveQuestion.client_key == key,
        )
    )


def _question_for(actor, question: LiveQuestion, action: str) -> LiveSession:
    policy.require(actor, action, question.session)
    return question.session


def vote(actor, question: LiveQuestion, up: bool = True) -> bool:
    """One upvote per person per visible question of an open session; voting twice, or
    taking back a vote never given, changes nothing. Returns whether anything changed.
    Commits; a change publishes the question's new count (`votes`, as this transaction
    left it) and `voted` to the voter's own sockets."""
    session = _question_for(actor, question, "ask")
    _open(session)
    if question.status != QuestionStatus.VISIBLE:
        raise Conflict(_("This question is not open for votes."))
    _rate("COP_LIVE_VOTE_LIMIT", "vote", actor)
    session_id, question_id = question.session_id, question.id
    try:
        if up:  # a second vote breaks the primary key: nothing to look up first
            db.session.execute(
                insert(LiveVote).values(
                    question_id=question_id, user_id=actor.id, created_at=utcnow()
                )
            )
        else:
            removed = db.session.execute(
                delete(LiveVote).where(
                    LiveVote.question_id == question_id, LiveVote.user_id == actor.id
                )
            )
            if not removed.rowcount:
                db.session.rollback()
                return False
        broadcast.vote_counted(
            update(LiveQuestion)
            .where(LiveQuestion.id == question_id)
            .values(
                vote_count=LiveQuestion.vote_count + (1 if up else -1),
                vote_seq=LiveQuestion.vote_seq + 1,
            )
            .returning(LiveQuestion.vote_count, LiveQuestion.vote_seq, LiveQuestion.status)
            .execution_options(synchronize_session=False),
            question_id,
            session_id,
            actor.id,
            up,
        )
        db.session.commit()
    except IntegrityError:  # voted already (maybe a moment earlier, from another socket)
        db.session.rollback()
        return False
    return True


def moderate(actor, question: LiveQuestion, action: str) -> LiveQuestion:
    """Moderators and hosts approve (show) or hide a question. Commits, publishes."""
    session = _question_for(actor, question, policy.MODERATE)
    if action not in MODERATION:
        raise Invalid(fields={"action": _("Choose approve or hide.")})
    was_visible = question.status == QuestionStatus.VISIBLE
    question.status = MODERATION[action]
    unhighlight = (
        question.status != QuestionStatus.VISIBLE and session.highlighted_id == question.id
    )
    if unhighlight:
        session.highlighted_id = None
        broadcast.session_changed(session)
    broadcast.question_changed(question, was_visible)
    db.session.commit()
    return question


def answer(actor, question: LiveQuestion, text: str) -> LiveQuestion:
    """Hosts mark a question answered with a short written answer. Commits, publishes."""
    _question_for(actor, question, "host")
    question.answer = check_body(text, "text", ANSWER_MAX, ANSWER_MARKS)
    question.answered_at = utcnow()
    question.answered_by_id = actor.id
    broadcast.question_changed(question, question.status == QuestionStatus.VISIBLE)
    db.session.commit()
    return question


def highlight(actor, session: LiveSession, question: LiveQuestion | None) -> LiveSession:
    """Hosts highlight the visible question being discussed now (None: none). Commits,
    publishes `session`."""
    _host(actor, session)
    _open(session)
    if question is not None and (
        question.session_id != session.id or question.status != QuestionStatus.VISIBLE
    ):
        raise Invalid(fields={"question_id": _("Only a visible question can be highlighted.")})
    session.highlighted_id = question.id if question is not None else None
    broadcast.session_changed(session)
    db.session.commit()
    return session
