"""The participation report as a CSV file for spreadsheets (cop/discussions/spreadsheet.py:
Excel opens it, no cell runs as a formula)."""

from flask_babel import format_datetime
from flask_babel import gettext as _

from cop.discussions.participation import Participation
from cop.discussions.spreadsheet import spreadsheet_csv


def participation_csv(report: Participation, locale: str) -> str:
    header = [_("Person"), _("Discussions started"), _("Replies"), _("Posts"), _("Last post")]
    rows = [
        [
            row.name,
            row.discussions,
            row.replies,
            row.posts,
            format_datetime(row.last_post_at, "yyyy-MM-dd HH:mm") if row.last_post_at else "",
        ]
        for row in report.rows
    ]
    total = report.discussions + report.replies
    rows.append([_("Total"), report.discussions, report.replies, total, ""])
    return spreadsheet_csv(header, rows, locale)
