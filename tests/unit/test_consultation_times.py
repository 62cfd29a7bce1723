"""Working time and the response target: Monday to Friday, whole days, Kyiv time."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cop.consultations.models import Consultation, Status
from cop.consultations.times import is_overdue, overdue_cutoff, working_time_between

KYIV = ZoneInfo("Europe/Kyiv")
TWO_DAYS = timedelta(days=2)
H = timedelta(hours=1)


def kyiv(day: int, hour: int = 0, minute: int = 0, month: int = 11) -> datetime:
    """A moment in November 2026 (the 20th is a Friday), Kyiv time."""
    return datetime(2026, month, day, hour, minute, tzinfo=KYIV)


def test_a_friday_evening_question():
    asked = kyiv(20, 18)
    assert asked.weekday() == 4
    assert working_time_between(asked, kyiv(21, 10), KYIV) == 6 * H  # Saturday morning
    assert working_time_between(asked, kyiv(23, 0), KYIV) == 6 * H  # the weekend is free
    assert working_time_between(asked, kyiv(23, 18), KYIV) == 24 * H
    assert working_time_between(asked, kyiv(24, 18), KYIV) == 48 * H


def test_a_weekend_question_starts_counting_on_monday():
    asked = kyiv(21, 10)  # Saturday
    assert working_time_between(asked, kyiv(22, 23), KYIV) == timedelta()
    assert working_time_between(asked, kyiv(23, 9), KYIV) == 9 * H
    assert working_time_between(asked, kyiv(25, 0), KYIV) == 48 * H


def test_whole_weeks_and_nothing_backwards():
    assert working_time_between(kyiv(2), kyiv(30), KYIV) == timedelta(days=20)
    assert working_time_between(kyiv(24), kyiv(23), KYIV) == timedelta()
    assert working_time_between(kyiv(24), kyiv(24), KYIV) == timedelta()


def test_summer_time_changes_on_a_sunday_and_changes_nothing():
    # 29 March 2026: Kyiv moves to summer time; Sunday is not a working day anyway
    friday, monday = kyiv(27, 12, month=3), kyiv(30, 12, month=3)
    assert working_time_between(friday, monday, KYIV) == 24 * H


def test_the_zone_decides_where_days_begin():
    friday_night_utc = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)  # Saturday 01:00 in Kyiv
    assert working_time_between(friday_night_utc, friday_night_utc + H, KYIV) == timedelta()
    assert working_time_between(friday_night_utc, friday_night_utc + H, UTC) == H


def consultation(asked, answered=None, status=Status.NEW) -> Consultation:
    return Consultation(created_at=asked, first_response_at=answered, status=status)


def test_overdue_after_two_working_days_without_an_answer():
    asked = kyiv(20, 18)  # Friday evening
    assert not is_overdue(consultation(asked), kyiv(24, 18), TWO_DAYS, KYIV)  # exactly
    assert is_overdue(consultation(asked), kyiv(24, 18, 1), TWO_DAYS, KYIV)
    assert not is_overdue(consultation(asked, kyiv(24)), kyiv(30), TWO_DAYS, KYIV)
    for status in (Status.RESOLVED, Status.CLOSED):
        assert not is_overdue(consultation(asked, status=status), kyiv(30), TWO_DAYS, KYIV)


@pytest.mark.parametrize("target_days", [1, 2, 5])
def test_the_cutoff_lists_use_agrees_with_working_time(target_days):
    """`created_at < cutoff(now)` says exactly what the working time says."""
    target = timedelta(days=target_days)
    rng = random.Random(target_days)
    start = kyiv(2)
    moments = [start + timedelta(minutes=rng.randrange(0, 40 * 24 * 60)) for _ in range(300)]
    moments += [kyiv(d) for d in range(2, 30)]  # midnights, weekends' edges
    for now in moments[::7] + [kyiv(24, 18), kyiv(23), kyiv(25)]:
        cutoff = overdue_cutoff(now, target, KYIV)
        assert working_time_between(cutoff, now, KYIV) == target
        for asked in moments:
            if asked > now:
                continue
            late = working_time_between(asked, now, KYIV) > target
            assert (asked < cutoff) == late, (asked, now)


def test_the_cutoff_skips_back_over_a_weekend():
    # Tuesday 00:00 with one working day: Monday counts, so anything from Saturday on is
    # exactly one working day old, and only Friday's questions are late
    cutoff = overdue_cutoff(kyiv(24), timedelta(days=1), KYIV)
    assert cutoff == kyiv(21)
