"""What live sessions publish (cop.events), in the transaction of the change."""

from dataclasses import dataclass

from cop.events import Event
from cop.live.models import LiveSession


@dataclass(frozen=True)
class LiveSessionStarting(Event):
    """A scheduled session starts within REMINDER_AHEAD: published once per session, by
    whichever background worker claims it first (cop/live/reminders.py)."""

    name = "live_session.starting"
    session: LiveSession
