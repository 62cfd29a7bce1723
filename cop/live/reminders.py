"""Those following a space hear, 15 minutes ahead, that one of its live sessions starts:
`remind_starting()` is one pass, which the background worker (cop/background.py) runs
every minute in every `cop worker` process. Each session is claimed (reminded_at set under
the row's lock, in the transaction that writes the notifications), so however many
processes run the pass, its followers are told once."""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from cop import events
from cop.db import utcnow
from cop.extensions import db
from cop.live.events import LiveSessionStarting
from cop.live.models import LiveSession, LiveStaff, SessionStatus
from cop.notifications import workflow
from cop.notifications.models import NotificationKind
from cop.notifications.service import subscribers_of

REMINDER_AHEAD = timedelta(minutes=15)


def remind_starting(now: datetime | None = None) -> int:
    """Remind the followers of every scheduled session starting within REMINDER_AHEAD and
    not reminded yet (one starting later is reminded by a later pass; one whose time has
    passed, never). Commits once per session; returns how many sessions were claimed."""
    now = now or utcnow()
    due = db.session.scalars(
        select(LiveSession.id).where(
            LiveSession.status == SessionStatus.SCHEDULED,
            LiveSession.reminded_at.is_(None),
            LiveSession.scheduled_at > now,
            LiveSession.scheduled_at <= now + REMINDER_AHEAD,
        )
    ).all()
    claimed = 0
    for session_id in due:
        won = db.session.execute(
            update(LiveSession)
            .where(LiveSession.id == session_id, LiveSession.reminded_at.is_(None))
            .values(reminded_at=now),
            execution_options={"synchronize_session": False},
        ).rowcount
        if won:
            events.publish(LiveSessionStarting(db.session.get(LiveSession, session_id)))
            claimed += 1
        db.session.commit()
    return claimed


def tell_followers(event: LiveSessionStarting) -> None:
    """The space's followers and the session's hosts and moderators, if they may see it."""
    session = event.session
    staff = db.session.scalars(select(LiveStaff.user_id).where(LiveStaff.session_id == session.id))
    people = {u.id: u for u in subscribers_of(session.space)}
    people.update({u.id: u for u in workflow.active_users(staff)})
    workflow.notify(
        NotificationKind.LIVE_SOON,
        people.values(),
        session.created_by_id,
        tell_actor=True,  # whoever scheduled it wants the reminder too
        live_session=session,
    )
