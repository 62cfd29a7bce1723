"""Monthly figures for the associations' reports: how many consultations were opened and
resolved, how fast they were answered and resolved, and how satisfied the committees were,
by month and optionally by community, oblast or thematic platform.

Which month a consultation counts in:
- opened: the month it was asked; its first-response time counts there too (the
  questions asked in March were first answered within ...);
- resolved: the month of its latest resolution (a reopened one is not resolved); its
  resolution time (asked -> resolved) and its rating count there.

Months are calendar months in the site's time zone. Times are working time, as the
response target counts it (cop/consultations/times.py: Monday to Friday, whole days), so
a question asked on Friday evening and answered on Monday morning took a few hours.

Everything comes from one query over the consultations the user may read (the policy's
SQL twin of discussion VIEW); the grouping and the medians are done here, in Python, so
they work alike on SQLite and PostgreSQL."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from statistics import median
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from cop import policy
from cop.collation import uk_sort_key
from cop.consultations.models import Consultation
from cop.consultations.times import site_zone, working_time_between
from cop.db import utcnow
from cop.discussions.models import Discussion
from cop.errors import Invalid
from cop.extensions import db
from cop.orgs.models import Community, ThematicPlatform
from cop.spaces.models import Space

MONTHS_MAX = 60  # five years: the longest period one report covers
DAY = timedelta(days=1)


class Breakdown(StrEnum):
    NONE = "none"
    COMMUNITY = "community"
    OBLAST = "oblast"
    PLATFORM = "platform"


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_of(moment: datetime, zone: ZoneInfo) -> date:
    local = moment.astimezone(zone)
    return date(local.year, local.month, 1)


def parse_month(text: str) -> date | None:
    """'2026-03' -> 1 March 2026; None for anything else."""
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            return None
        return date(int(year), int(month), 1)
    except ValueError:
        return None


@dataclass(frozen=True)
class Period:
    """Whole months, first to last inclusive."""

    first: date
    last: date

    @property
    def months(self) -> list[date]:
        count = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month
        return [add_months(self.first, n) for n in range(count + 1)]

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC instants, start inclusive, end exclusive."""

        def start(month: date) -> datetime:
            return datetime.combine(month, time(), zone).astimezone(UTC)

        return start(self.first), start(add_months(self.last, 1))

    def __str__(self) -> str:
        first, last = f"{self.first:%Y-%m}", f"{self.last:%Y-%m}"
        return first if first == last else f"{first}–{last}"


@dataclass
class Cell:
    """The figures of one group in one month, or of a wider total."""

    opened: int = 0
    answered: int = 0  # of those opened, how many have had a first response
    resolved: int = 0
    response_times: list[timedelta] = field(default_factory=list)
    resolution_times: list[timedelta] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    @property
    def median_response(self) -> timedelta | None:
        return median(self.response_times) if self.response_times else None

    @property
    def median_resolution(self) -> timedelta | None:
        return median(self.resolution_times) if self.resolution_times else None

    @property
    def mean_rating(self) -> float | None:
        return sum(self.ratings) / len(self.ratings) if self.ratings else None

    @property
    def empty(self) -> bool:
        return not (self.opened or self.resolved)


@dataclass(frozen=True)
class Group:
    """A row of the breakdown: a community, an oblast or a platform (key None: none)."""

    key: int | str | None
    name: str


@dataclass
class Figures:
    period: Period
    breakdown: Breakdown
    months: list[date]
    groups: list[Group]  # with something to count, in order; none without a breakdown
    cells: dict[tuple[date, int | str | None], Cell]  # (month, group key)
    by_month: dict[date, Cell]
    by_group: dict[int | str | None, Cell]
    total: Cell

    def rows(self, month: date) -> list[tuple[Group, Cell]]:
        """The groups with something to count in the month."""
        return [
            (g, self.cells[month, g.key])
            for g in self.groups
            if (month, g.key) in self.cells and not self.cells[month, g.key].empty
        ]


@dataclass(frozen=True)
class _Row:
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    rating: int | None
    group: Group


def _group(breakdown: Breakdown, locale: str, row) -> tuple[Group, tuple]:
    """The row's group and its sort key."""
    if breakdown == Breakdown.COMMUNITY:
        return Group(row.community_id, row.community_name), uk_sort_key(row.community_name)
    if breakdown == Breakdown.OBLAST:
        return Group(row.oblast, row.oblast), uk_sort_key(row.oblast)
    if breakdown == Breakdown.PLATFORM:
        if row.platform_id is None:
            return Group(None, _("Without a platform")), (1,)
        name = row.name_en if locale == "en" else row.name_uk
        return Group(row.platform_id, name), (0, row.position)
    return Group(None, ""), ()


def _rows(user, period: Period, breakdown: Breakdown, locale: str, zone: ZoneInfo):
    """The consultations the user may read that were opened or resolved in the period,
    in one query, and the groups they fall in, in display order."""
    start, end = period.bounds(zone)
    query = (
        select(
            Consultation.created_at,
            Consultation.first_response_at,
            Consultation.resolved_at,
            Consultation.rating,
            Consultation.community_id,
            Consultation.platform_id,
            Community.name.label("community_name"),
            Community.oblast,
            ThematicPlatform.name_uk,
            ThematicPlatform.name_en,
            ThematicPlatform.position,
        )
        .join(Discussion, Discussion.id == Consultation.discussion_id)
        .join(Space, Space.id == Discussion.space_id)
        .join(Community, Community.id == Consultation.community_id)
        .outerjoin(ThematicPlatform, ThematicPlatform.id == Consultation.platform_id)
        .where(
            policy.readable_discussions_anywhere(user),
            or_(
                and_(Consultation.created_at >= start, Consultation.created_at < end),
                and_(Consultation.resolved_at >= start, Consultation.resolved_at < end),
            ),
        )
    )
    rows, order = [], {}
    for row in db.session.execute(query):
        group, key = _group(breakdown, locale, row)
        order[group] = key
        rows.append(_Row(row.created_at, row.first_response_at, row.resolved_at, row.rating, group))
    if breakdown == Breakdown.NONE:
        return rows, []
    return rows, sorted(order, key=order.__getitem__)


def compute_figures(user, period: Period, breakdown: Breakdown, locale: str) -> Figures:
    """The figures of the consultations the user may read (see the module's docstring);
    one query, whatever the number of months, communities or consultations."""
    zone = site_zone()
    rows, groups = _rows(user, period, breakdown, locale, zone)
    months = period.months
    cells: dict[tuple[date, int | str | None], Cell] = defaultdict(Cell)
    by_month: dict[date, Cell] = {m: Cell() for m in months}
    by_group: dict[int | str | None, Cell] = defaultdict(Cell)
    total = Cell()

    def targets(month: date, group: Group) -> Iterable[Cell]:
        return (cells[month, group.key], by_month[month], by_group[group.key], total)

    for row in rows:
        opened = month_of(row.created_at, zone)
        if opened in by_month:
            response = (
                working_time_between(row.created_at, row.first_response_at, zone)
                if row.first_response_at is not None
                else None
            )
            for cell in targets(opened, row.group):
                cell.opened += 1
                if response is not None:
                    cell.answered += 1
                    cell.response_times.append(response)
        resolved = month_of(row.resolved_at, zone) if row.resolved_at is not None else None
        if resolved in by_month:
            resolution = working_time_between(row.created_at, row.resolved_at, zone)
            for cell in targets(resolved, row.group):
                cell.resolved += 1
                cell.resolution_times.append(resolution)
                if row.rating is not None:
                    cell.ratings.append(row.rating)
    return Figures(
        period=period,
        breakdown=breakdown,
        months=months,
        groups=groups,
        cells=dict(cells),
        by_month=by_month,
        by_group=dict(by_group),
        total=total,
    )


def working_days(span: timedelta | None) -> float | None:
    """A span of working time in working days (of 24 hours, as the target counts them)."""
    return None if span is None else span / DAY


def this_month() -> date:
    return month_of(utcnow(), site_zone())


def default_period() -> Period:
    """The last six months, this one included."""
    month = this_month()
    return Period(add_months(month, -5), month)


def read_period(first: str | None, last: str | None) -> Period:
    """The period from 'YYYY-MM' texts (either may be missing: the default's, or the
    same month as the other); refused with a message if unreadable, reversed or longer
    than MONTHS_MAX months."""
    default = default_period()
    if not first and not last:
        return default
    errors = {}
    months = {}
    for name, text in (("first", first), ("last", last)):
        if text:
            months[name] = parse_month(text)
            if months[name] is None or not 2000 <= months[name].year <= 2999:
                errors[name] = _("Give a month as YYYY-MM, for example 2026-03.")
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    start = months.get("first") or months["last"]
    end = months.get("last") or start
    if end < start:
        message = _("The last month comes before the first.")
        raise Invalid(message, fields={"last": message})
    if len(Period(start, end).months) > MONTHS_MAX:
        message = _("At most %(n)s months at once.", n=MONTHS_MAX)
        raise Invalid(message, fields={"last": message})
    return Period(start, end)


def presets() -> list[tuple[str, Period]]:
    """Periods a report usually covers, for one-click links."""
    month = this_month()
    year = date(month.year, 1, 1)
    return [
        (_("This month"), Period(month, month)),
        (_("Last month"), Period(add_months(month, -1), add_months(month, -1))),
        (_("Last 3 months"), Period(add_months(month, -3), add_months(month, -1))),
        (_("Last 12 months"), Period(add_months(month, -12), add_months(month, -1))),
        (_("This year"), Period(year, month)),
        (_("Last year"), Period(date(month.year - 1, 1, 1), date(month.year - 1, 12, 1))),
    ]
