from sqlalchemy import select

from cop import policy
from cop.extensions import db
from cop.moderation.models import AuditEntry, Report

QUEUE_MAX = 200


def list_open_reports(user) -> list[Report]:
    """Unresolved reports on posts in spaces the user moderates, newest first."""
    reports = db.session.scalars(
        select(Report)
        .where(Report.resolved_at.is_(None))
        .order_by(Report.created_at.desc())
        .limit(QUEUE_MAX)
    )
    return [r for r in reports if policy.can(user, policy.MODERATE, r.post.discussion)]


def list_audit(limit: int = QUEUE_MAX) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
