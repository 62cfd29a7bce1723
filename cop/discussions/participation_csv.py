"""The participation report as a CSV file for spreadsheets: UTF-8 with a byte order
mark (without it Excel reads Cyrillic as Windows-1251), the list separator of the
page's language (";" in Ukrainian, "," in English: Excel takes it from the regional
settings), and every cell a spreadsheet would run as a formula (one starting with = + -
@, or a tab or carriage return before them) made text with a leading apostrophe, since
names are typed by the people themselves."""

import csv
import io

from flask_babel import format_datetime
from flask_babel import gettext as _

from cop.discussions.participation import Participation

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as written, never evaluates."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def participation_csv(report: Participation, locale: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="," if locale == "en" else ";", lineterminator="\r\n")
    writer.writerow(
        [_("Person"), _("Discussions started"), _("Replies"), _("Posts"), _("Last post")]
    )
    for row in report.rows:
        last = format_datetime(row.last_post_at, "yyyy-MM-dd HH:mm") if row.last_post_at else ""
        writer.writerow([safe_cell(row.name), row.discussions, row.replies, row.posts, last])
    writer.writerow(
        [_("Total"), report.discussions, report.replies, report.discussions + report.replies, ""]
    )
    return BOM + out.getvalue()
