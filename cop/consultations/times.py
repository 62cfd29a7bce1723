"""Working time: what the response target counts. Working days are Monday to Friday,
whole days, in the site's time zone (COP_TIMEZONE); a question asked on Friday evening
has had six working hours by Saturday and is two working days old on Tuesday evening.

A consultation is overdue while nobody of its desk has answered it and it has waited
more than COP_RESPONSE_TARGET_WORKING_DAYS of working time."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from cop.consultations.models import Consultation, Status

DAY = timedelta(days=1)


def site_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def response_target() -> timedelta:
    return current_app.config["COP_RESPONSE_TARGET_WORKING_DAYS"] * DAY


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    """The local midnight starting the day, in UTC (aware datetimes that share a tzinfo
    subtract as wall-clock times, which a DST change would break)."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def _working(day: date) -> bool:
    return day.weekday() < 5


def working_time_between(start: datetime, end: datetime, zone: ZoneInfo) -> timedelta:
    """How much of the time from start to end fell on working days."""
    total = timedelta()
    if end <= start:
        return total
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    while day <= last:
        if _working(day):
            low = max(start, _day_start(day, zone))
            high = min(end, _day_start(day + DAY, zone))
            if high > low:
                total += high - low
        day += DAY
    return total


def overdue_cutoff(now: datetime, target: timedelta, zone: ZoneInfo) -> datetime:
    """The moment c such that whatever was asked before c has waited more than `target`
    of working time by `now`, and whatever was asked from c on has not: lists filter
    with `created_at < c` instead of working out each row's working time."""
    remaining, cursor = target, now.astimezone(UTC)
    day = now.astimezone(zone).date()
    while True:
        start = _day_start(day, zone)
        if _working(day) and cursor > start:
            available = cursor - start
            if available > remaining:
                return cursor - remaining
            remaining -= available
        cursor, day = start, day - DAY


def is_overdue(
    consultation: Consultation, now: datetime, target: timedelta, zone: ZoneInfo
) -> bool:
    """Past the response target: still without an answer from its desk, not resolved or
    closed, and waiting more than `target` of working time."""
    return (
        consultation.first_response_at is None
        and consultation.status not in (Status.RESOLVED, Status.CLOSED)
        and working_time_between(consultation.created_at, now, zone) > target
    )
