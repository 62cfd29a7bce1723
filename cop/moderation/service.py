"""Reports, hiding and restoring posts, moving discussions, and the audit log every
moderator action writes to (in the same commit as the action)."""

from flask_babel import gettext as _
from sqlalchemy import select, update

from cop import events, inputs, policy
from cop.db import utcnow
from cop.discussions import counters
from cop.discussions.events import DiscussionMoved, PostHidden
from cop.discussions.models import Discussion, Post
from cop.discussions.service import DISCUSSION_KINDS
from cop.errors import Conflict, Invalid
from cop.extensions import db
from cop.moderation.events import PostReported
from cop.moderation.models import REASON_MAX, AuditEntry, Report, ReportOutcome
from cop.spaces.models import Space


def record(actor, action: str, target, space_id: int | None, **detail) -> None:
    """Adds an audit entry to the current transaction; the caller commits."""
    db.session.add(
        AuditEntry(
            actor_id=actor.id,
            action=action,
            target_type=type(target).__name__.lower(),
            target_id=target.id,
            space_id=space_id,
            detail=detail,
        )
    )


def report_post(actor, post: Post, reason: str) -> Report:
    """Anyone signed in who can see a post reports it once; reporting again returns the
    same report. Commits; publishes `post.reported` (its moderators are told)."""
    policy.require(actor, "report", post)
    reason = inputs.check_body(reason, "reason", REASON_MAX)
    existing = db.session.scalar(
        select(Report).where(Report.post_id == post.id, Report.reporter_id == actor.id)
    )
    if existing is not None:
        return existing
    report = Report(post_id=post.id, reporter_id=actor.id, reason=reason, post=post)
    db.session.add(report)
    db.session.flush()
    events.publish(PostReported(actor, report))
    db.session.commit()
    return report


def _resolve_reports(actor, post: Post, outcome: ReportOutcome) -> None:
    db.session.execute(
        update(Report)
        .where(Report.post_id == post.id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=actor.id, outcome=outcome)
    )


def hide_post(actor, post: Post) -> Post:
    """Moderators hide a post (its open reports are resolved with it). Commits; publishes
    `post.hidden`."""
    policy.require(actor, policy.MODERATE, post.discussion)
    if post.hidden_at is None:
        post.hidden_at = utcnow()
        record(actor, "post.hidden", post, post.discussion.space_id)
        counters.recount(post.discussion)
        events.publish(PostHidden(actor, post))
    _resolve_reports(actor, post, ReportOutcome.HIDDEN)
    db.session.commit()
    return post


def restore_post(actor, post: Post) -> Post:
    """Moderators show a hidden post again. Commits."""
    policy.require(actor, policy.MODERATE, post.discussion)
    if post.hidden_at is not None:
        post.hidden_at = None
        record(actor, "post.restored", post, post.discussion.space_id)
        counters.recount(post.discussion)
        db.session.commit()
    return post


def dismiss_reports(actor, post: Post) -> None:
    """Moderators close a post's open reports without hiding it. Commits."""
    policy.require(actor, policy.MODERATE, post.discussion)
    _resolve_reports(actor, post, ReportOutcome.DISMISSED)
    record(actor, "reports.dismissed", post, post.discussion.space_id)
    db.session.commit()


def move_discussion(actor, discussion: Discussion, target: Space) -> Discussion:
    """Moderators of both forums move a discussion between forums or expert rooms (a
    consultation never leaves its desk). Commits; publishes `discussion.moved`."""
    policy.require(actor, policy.MODERATE, discussion)
    policy.require(actor, policy.MODERATE, target)
    if discussion.space.kind not in DISCUSSION_KINDS:  # a consultation stays on its desk
        raise Conflict(_("This discussion cannot be moved."))
    if target.kind not in DISCUSSION_KINDS:
        raise Invalid(fields={"space_id": _("Discussions cannot be started in this space.")})
    if target.id == discussion.space_id:
        raise Conflict(fields={"space_id": _("The discussion is already there.")})
    from_space_id = discussion.space_id
    record(actor, "discussion.moved", discussion, target.id, from_space=from_space_id)
    discussion.space = target
    events.publish(DiscussionMoved(actor, discussion, from_space_id))
    db.session.commit()
    return discussion
