"""The figures as a CSV file for spreadsheets.

Made for Excel opening it with a double click, the way reports are made: UTF-8 with a
byte order mark (without it Excel reads Cyrillic as Windows-1251 mojibake), and the
separators of the reader's language. Excel takes the list separator and the decimal mark
from the system's regional settings: in Ukrainian they are ";" and "," (1,5), in English
"," and "." (1.5). A file in the other convention opens as one column, or with 1.5 read
as a date, so the CSV follows the language the page is shown in. Programs should use the
JSON API instead (GET /api/v1/consultations/figures)."""

import csv
import io

from flask_babel import format_decimal
from flask_babel import gettext as _

from cop.consultations.figures import Breakdown, Cell, Figures, working_days

BOM = "\ufeff"


def breakdown_label(breakdown: Breakdown) -> str:
    return {
        Breakdown.NONE: _("No breakdown"),
        Breakdown.COMMUNITY: _("Community"),
        Breakdown.OBLAST: _("Oblast"),
        Breakdown.PLATFORM: _("Thematic platform"),
    }[breakdown]


def delimiter(locale: str) -> str:
    return "," if locale == "en" else ";"


def _number(value: float | None, pattern: str) -> str:
    return "" if value is None else format_decimal(value, pattern)


def _values(cell: Cell) -> list[str]:
    return [
        str(cell.opened),
        str(cell.answered),
        str(cell.resolved),
        _number(working_days(cell.median_response), "0.00"),
        _number(working_days(cell.median_resolution), "0.00"),
        _number(cell.mean_rating, "0.00"),
        str(len(cell.ratings)),
    ]


def figures_csv(figures: Figures, locale: str) -> str:
    """Month by month, each group's row then the month's total; then the whole period,
    by group and in total. Empty groups are left out."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter(locale), lineterminator="\r\n")
    grouped = figures.breakdown != Breakdown.NONE
    everything = _("Total")
    writer.writerow(
        [_("Month")]
        + ([breakdown_label(figures.breakdown)] if grouped else [])
        + [
            _("Opened"),
            _("Responded (of those opened)"),
            _("Resolutions"),
            _("Median first response, working days"),
            _("Median resolution, working days"),
            _("Mean satisfaction (1–5)"),
            _("Ratings"),
        ]
    )
    for month in figures.months:
        if grouped:
            for group, cell in figures.rows(month):
                writer.writerow([f"{month:%Y-%m}", group.name] + _values(cell))
        total = figures.by_month[month]
        writer.writerow([f"{month:%Y-%m}"] + ([everything] if grouped else []) + _values(total))
    period = str(figures.period)
    if grouped:
        for group in figures.groups:
            cell = figures.by_group[group.key]
            writer.writerow([period, group.name] + _values(cell))
    writer.writerow([period] + ([everything] if grouped else []) + _values(figures.total))
    return BOM + out.getvalue()
