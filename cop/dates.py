"""Dates for people, one format everywhere (pages, search results, e-mails).

`exact`: the whole date and time in the site's time zone, "5 грудня 2026, 14:05" /
"December 5, 2026, 2:05 PM". `when`: what a page shows, relative while recent ("щойно",
"5 хвилин тому", "сьогодні о 14:05", "вчора о 14:05"), then the day ("3 грудня о 9:30",
a year back "3 грудня 2025"), in a <time> element carrying the moment in `datetime`
and the exact form in `title`. E-mails and stored texts use `exact`: they are read
later. Formatted with month names read once from Babel and plain string work, since a
page formats dozens of dates (Babel's formatter cost showed in page profiles)."""

from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache

from babel.dates import get_month_names
from flask import Flask, g, has_request_context
from flask_babel import get_timezone, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

from cop.db import utcnow
from cop.i18n import current_locale


@cache
def _months(locale: str) -> dict[int, str]:
    """Month names as a date says them: 'грудня' (genitive) in Ukrainian."""
    return dict(get_month_names("wide", "format", locale))


def _clock(moment: datetime, locale: str) -> str:
    if locale == "en":
        return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
    return f"{moment.hour}:{moment.minute:02d}"


def _day(moment: date, locale: str, year: bool) -> str:
    month = _months(locale)[moment.month]
    if locale == "en":
        return f"{month} {moment.day}, {moment.year}" if year else f"{month} {moment.day}"
    return f"{moment.day} {month} {moment.year}" if year else f"{moment.day} {month}"


def _words() -> dict[str, str]:
    """The phrases, translated once per request; filled in with % below."""
    return {
        # TRANSLATORS: the time 11:xx; Ukrainian says "об" before a vowel.
        "at 11": _("at %(time)s (eleven o'clock)"),
        "at": _("at %(time)s"),
        "now": _("just now"),
        "today": _("today %(at)s"),
        "yesterday": _("yesterday %(at)s"),
        "tomorrow": _("tomorrow %(at)s"),
    }


def _setting() -> tuple:
    """(locale, zone, phrases), read once per request: a page formats many dates."""
    if not has_request_context():
        return current_locale(), get_timezone(), _words()
    cached = g.get("_date_setting")
    if cached is None:
        cached = g._date_setting = (current_locale(), get_timezone(), _words())
    return cached


def exact(value: datetime) -> str:
    locale, zone, _phrases = _setting()
    local = value.astimezone(zone)
    return f"{_day(local, locale, year=True)}, {_clock(local, locale)}"


def relative(value: datetime, now: datetime | None = None) -> str:
    locale, zone, words = _setting()
    now = now or utcnow()
    past = now - value
    if timedelta(0) <= past < timedelta(minutes=1):
        return words["now"]
    if timedelta(0) <= past < timedelta(hours=1):
        minutes = past // timedelta(minutes=1)
        return ngettext("%(num)s minute ago", "%(num)s minutes ago", minutes)
    local, today = value.astimezone(zone), now.astimezone(zone).date()
    at = words["at 11" if local.hour == 11 else "at"] % {"time": _clock(local, locale)}
    days = (local.date() - today).days
    if -1 <= days <= 1:
        return words[("yesterday", "today", "tomorrow")[days + 1]] % {"at": at}
    if abs(days) < 180:
        return f"{_day(local, locale, year=local.year != today.year)} {at}"
    return _day(local, locale, year=True)


def relative_until(value: datetime, now: datetime | None = None) -> datetime:
    """The next moment `relative(value)` may read otherwise, never later than it does:
    the next minute within the hour after `value`, else the next midnight in the site's
    zone (today becomes yesterday, a day gets its year); `value` itself while it is ahead.
    What keeps a page's dates (the discussion page's posts) keeps them until then."""
    zone = _setting()[1]
    now = now or utcnow()
    past = now - value
    if timedelta(0) <= past < timedelta(hours=1):
        return value + (past // timedelta(minutes=1) + 1) * timedelta(minutes=1)
    midnight = _midnight_after(zone, now.astimezone(zone).date()).astimezone(now.tzinfo)
    return min(midnight, value) if value > now else midnight


@lru_cache(maxsize=8)  # a few zones and days
def _midnight_after(zone, today: date) -> datetime:
    return zone.localize(datetime.combine(today + timedelta(days=1), time()))  # a pytz zone


def when(value: datetime | None) -> Markup:
    """A <time> element: relative text, the exact moment in its title."""
    if value is None:
        return Markup("")
    title, text = escape(exact(value)), escape(relative(value))
    return Markup(f'<time datetime="{value.isoformat()}" title="{title}">{text}</time>')


def day(value: date) -> str:
    """A day without a time (a due date): '5 грудня 2026'."""
    return _day(value, _setting()[0], year=True)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["exact"] = (
        exact  # in sentences and files, where "5 minutes ago" would age
    )
    app.jinja_env.filters["day"] = day
