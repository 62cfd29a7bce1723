"""The figures' arithmetic on a hand-built set (tests/figures_data.py): which month each
consultation counts in, the medians of working time, the mean rating, the breakdowns,
and what each reader may count."""

from datetime import date

import pytest

from cop.accounts.models import User
from cop.consultations import figures
from cop.consultations.figures import Breakdown, Period
from cop.consultations.figures_chart import month_chart
from cop.errors import Invalid
from cop.extensions import db
from tests.figures_data import DAY, HOUR, build_figures_world

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
Q1 = Period(JAN, MAR)


@pytest.fixture
def platforms(app, world):
    with app.app_context():
        return build_figures_world(world)


@pytest.fixture
def compute(app, world, platforms):
    def run(name, breakdown=Breakdown.NONE, period=Q1, locale="uk"):
        with app.test_request_context():
            user = db.session.get(User, world.users[name].id)
            return figures.compute_figures(user, period, breakdown, locale)

    return run


def test_staff_count_every_consultation_month_by_month(compute):
    found = compute("moderator")
    jan, feb, mar = (found.by_month[m] for m in (JAN, FEB, MAR))
    assert (jan.opened, jan.answered, jan.resolved) == (3, 3, 3)
    assert jan.median_response == 4 * HOUR  # of 4 h, 16 h (Friday evening), 2 h
    assert jan.median_resolution == 2 * DAY  # of 2, 1 and 4 working days
    assert jan.mean_rating == pytest.approx(11 / 3)
    # A3 was asked on Saturday night in UTC, Sunday in Kyiv: February.
    assert (feb.opened, feb.answered, feb.resolved) == (2, 1, 1)
    assert feb.median_response == DAY
    assert feb.median_resolution == 16 * DAY  # three weeks and a weekend: 16 working days
    assert feb.ratings == [3]
    assert (mar.opened, mar.answered, mar.resolved) == (1, 0, 0)
    assert mar.median_response is None and mar.mean_rating is None
    total = found.total
    assert (total.opened, total.answered, total.resolved) == (6, 4, 4)
    assert total.median_response == 10 * HOUR  # of 2, 4, 16 and 24 hours
    assert total.median_resolution == 3 * DAY  # of 1, 2, 4 and 16 days
    assert total.mean_rating == 3.5
    assert found.months == [JAN, FEB, MAR]


def test_an_expert_counts_only_the_desks_of_their_group(compute):
    mine = compute("expert", Breakdown.COMMUNITY)
    assert [g.name for g in mine.groups] == ["Громада А", "Громада В"]
    jan = mine.by_month[JAN]
    assert (jan.opened, jan.resolved) == (2, 2)
    assert jan.median_response == 10 * HOUR and jan.mean_rating == 4.5
    other = compute("other_expert", Breakdown.COMMUNITY)
    assert [g.name for g in other.groups] == ["Громада Б"]
    assert (other.total.opened, other.total.resolved, other.total.ratings) == (1, 1, [2])


def test_breakdowns_by_community_oblast_and_platform(compute, platforms):
    found = compute("admin", Breakdown.COMMUNITY)
    jan = {g.name: (c.opened, c.resolved) for g, c in found.rows(JAN)}
    assert jan == {"Громада А": (2, 1), "Громада Б": (1, 1), "Громада В": (0, 1)}
    assert [g.name for g, _c in found.rows(MAR)] == ["Громада А"]
    by_oblast = compute("admin", Breakdown.OBLAST)
    assert [g.name for g in by_oblast.groups] == ["Житомирська", "Тернопільська"]
    rows = {g.name: c for g, c in by_oblast.rows(JAN)}
    assert (rows["Тернопільська"].opened, rows["Тернопільська"].resolved) == (2, 2)
    assert sorted(rows["Тернопільська"].ratings) == [4, 5]
    by_platform = compute("admin", Breakdown.PLATFORM, locale="en")
    keys = [g.key for g in by_platform.groups]
    assert keys == [platforms["p1"], platforms["p2"], None]  # by position, none last
    whole = by_platform.by_group
    assert (whole[platforms["p1"]].opened, whole[platforms["p1"]].resolved) == (2, 2)
    assert (whole[None].opened, whole[None].resolved) == (3, 1)
    assert by_platform.groups[0].name.isascii()  # the English name


def test_a_member_or_trainee_would_count_nothing_but_is_refused_anyway(app, world):
    from cop import policy

    with app.test_request_context():
        for name in ("member", "outsider", "trainee", "space_moderator"):
            assert not policy.sees_figures(db.session.get(User, world.users[name].id)), name
        for name in ("expert", "other_expert", "moderator", "admin"):
            assert policy.sees_figures(db.session.get(User, world.users[name].id)), name


def test_periods_are_read_strictly(app):
    with app.test_request_context():
        assert figures.read_period("2026-01", "2026-03") == Q1
        assert figures.read_period("2026-02", None) == Period(FEB, FEB)
        assert figures.read_period(None, "2026-02") == Period(FEB, FEB)
        assert len(figures.read_period(None, None).months) == 6
        for first, last, field in (
            ("2026-13", None, "first"),
            ("26-01", None, "first"),
            ("2026-01", "март", "last"),
            ("2026-03", "2026-01", "last"),
            ("2020-01", "2026-01", "last"),
        ):
            with pytest.raises(Invalid) as caught:
                figures.read_period(first, last)
            assert field in caught.value.fields


def test_the_chart_scales_its_bars_to_a_round_top(compute, app):
    found = compute("moderator")
    with app.test_request_context():
        chart = month_chart(found)
    assert [t.value for t in chart.ticks] == [0, 1, 2, 3]
    jan_opened, jan_resolved = chart.slots[0].bars
    assert jan_opened.height == jan_resolved.height == chart.bottom - chart.ticks[-1].y
    assert chart.slots[2].bars[1].height == 0
    assert [s.year for s in chart.slots] == ["2026", "", ""]
