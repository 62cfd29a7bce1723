"""One date format everywhere: relative while recent, then the day, in Kyiv time, in
Ukrainian and English, with the exact moment in the <time> element's title."""

from datetime import UTC, date, datetime, timedelta

from flask_babel import force_locale

from cop.dates import day, exact, relative, relative_until, when

# 16:30 in Kyiv (UTC+2 in December)
NOW = datetime(2026, 12, 5, 14, 30, tzinfo=UTC)


def _ago(**delta) -> str:
    return relative(NOW - timedelta(**delta), NOW)


def test_recent_moments_read_relative_in_ukrainian(ctx):
    with force_locale("uk"):
        assert _ago(seconds=20) == "щойно"
        assert _ago(minutes=1) == "1 хвилину тому"
        assert _ago(minutes=3) == "3 хвилини тому"
        assert _ago(minutes=5) == "5 хвилин тому"
        assert _ago(minutes=21) == "21 хвилину тому"
        assert _ago(hours=2) == "сьогодні о 14:30"
        assert _ago(hours=26, minutes=25) == "вчора о 14:05"
        assert _ago(hours=29) == "вчора об 11:30"  # «об» before a vowel
        assert _ago(days=3) == "2 грудня о 16:30"
        assert relative(NOW + timedelta(days=1), NOW) == "завтра о 16:30"
        assert _ago(days=40) == "26 жовтня о 16:30"
        assert _ago(days=300) == "8 лютого 2026"
        assert exact(NOW) == "5 грудня 2026, 16:30"
        assert day(date(2027, 1, 15)) == "15 січня 2027"


def test_and_in_english(ctx):
    with force_locale("en"):
        assert _ago(seconds=20) == "just now"
        assert _ago(minutes=1) == "1 minute ago"
        assert _ago(minutes=5) == "5 minutes ago"
        assert _ago(hours=26, minutes=25) == "yesterday at 2:05 PM"
        assert _ago(hours=29) == "yesterday at 11:30 AM"
        assert _ago(days=3) == "December 2 at 4:30 PM"
        assert relative(NOW + timedelta(days=40), NOW) == "January 14, 2027 at 4:30 PM"
        assert _ago(days=300) == "February 8, 2026"
        assert exact(NOW) == "December 5, 2026, 4:30 PM"


def test_a_page_shows_the_relative_text_with_the_exact_moment(ctx):
    moment = datetime(2025, 3, 1, 9, 5, tzinfo=UTC)
    with force_locale("uk"):
        assert when(moment) == (
            '<time datetime="2025-03-01T09:05:00+00:00" title="1 березня 2025, 11:05">'
            "1 березня 2025</time>"
        )


def test_a_relative_text_holds_until_the_moment_said_and_no_longer_than_a_day(ctx):
    """What keeps a page's dates (the discussion page) keeps them until `relative_until`:
    the text must not change before it, whatever the moment's distance (a minute's steps,
    the hour, the day, the 180 days, the year, ahead of now)."""
    offsets = [timedelta(seconds=s) for s in (0, 1, 59, 60, 61, 119, 3599, 3600, 3601)]
    offsets += [timedelta(hours=h, minutes=7) for h in (2, 13, 23, 25, 49)]
    offsets += [timedelta(days=d, hours=3) for d in (3, 40, 178, 179, 180, 181, 300, 400)]
    offsets += [-timedelta(minutes=5), -timedelta(hours=20), -timedelta(days=3)]
    nows = [NOW, datetime(2026, 12, 31, 21, 59, 30, tzinfo=UTC)]  # 23:59:30 in Kyiv
    with force_locale("uk"):
        for now in nows:
            for offset in offsets:
                value = now - offset
                until = relative_until(value, now)
                assert now < until <= now + timedelta(days=1), (value, now, until)
                text = relative(value, now)
                step = (until - now) / 7
                for moment in [now + step * k for k in range(7)]:
                    assert relative(value, moment) == text, (value, now, moment)
                assert relative(value, until - timedelta(microseconds=1)) == text
        assert relative_until(NOW - timedelta(seconds=20), NOW) == NOW + timedelta(seconds=40)
        assert relative_until(NOW - timedelta(hours=2), NOW) == datetime(
            2026, 12, 5, 22, 0, tzinfo=UTC
        )  # midnight in Kyiv
