"""What every CSV for spreadsheets needs: UTF-8 with a byte order mark (without it Excel
reads Cyrillic as Windows-1251), the list separator of the page's language (";" in
Ukrainian, "," in English: Excel takes it from the regional settings), and every cell a
spreadsheet would run as a formula (one starting with = + - @, or a tab or carriage
return before them) made text with a leading apostrophe, since names, titles and posts
are typed by the people themselves."""

import csv
import io

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as written, never evaluates (numbers stay numbers)."""
    if not isinstance(value, str):
        return value
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def spreadsheet_csv(header: list[str], rows, locale: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="," if locale == "en" else ";", lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return BOM + out.getvalue()
