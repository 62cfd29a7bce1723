"""The one input boundary: the rules every id, text, list and date from outside obeys,
each written once and used by the URL converter, the API's pydantic models, the page
views' query strings and the services the forms call.

- Ids are whole numbers from 1 to ID_MAX (PostgreSQL's INTEGER; SQLite's are wider).
  A path id out of range matches no route (404 like any missing id); a body or query id
  out of range is a 422.
- Lists of ids hold at most IDS_MAX items.
- Text is normalised to NFC; Windows and old Mac line breaks become "\\n". Control
  characters (NUL, escape, lone surrogates...) are refused; multi-line text keeps "\\n"
  and tabs. Single-line text (titles, names) refuses line breaks and tabs, and the
  characters that reorder text around them (U+202A-U+202E, U+2066-U+2069). Required
  text must have a visible character: zero-width and blank characters do not count.
- Dates and times fall between YEAR_MIN and YEAR_MAX; times carry a time zone.
- Page numbers run from 1 to PAGE_MAX: on the API anything else is a 422; on a page it is
  a missing page (404), like any page that does not exist.

The `clean_*` functions raise ValueError with a translated message: pydantic reports it
as a 422 field message, WTForms as a field error; `check_*` raise Invalid for services.
"""

import unicodedata
from datetime import date
from typing import Annotated

from flask import request
from flask_babel import gettext as _
from pydantic import AfterValidator, AwareDatetime, Field
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from cop.errors import Invalid, NotFound

ID_MAX = 2**31 - 1
IDS_MAX = 500
PAGE_MAX = 100_000
YEAR_MIN, YEAR_MAX = 1900, 2100

_BREAKS = {"\n", "\r", "\t", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"}
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
# Letters that draw nothing (Hangul fillers, the blank Braille pattern).
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}
_UNSEEN = {"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"}


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: 1..ID_MAX, so an id the database could not hold is a
    missing page (404) rather than a database error."""

    def __init__(self, map, fixed_digits: int = 0, min: int = 1, max: int = ID_MAX):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def _visible(char: str) -> bool:
    return unicodedata.category(char) not in _UNSEEN and char not in _BLANK_LETTERS


def _normalise(value: str, *, single_line: bool) -> str:
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    for char in value:
        if single_line and char in _BREAKS:
            raise ValueError(_("Write this on a single line."))
        if single_line and char in _BIDI:
            raise ValueError(_("Remove the characters that change the text direction."))
        if char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cs"):
            raise ValueError(_("Remove the control characters (such as NUL) from the text."))
    return value.strip()


def _required(value: str) -> str:
    if not value:
        raise ValueError(_("This field is required."))
    if not any(_visible(char) for char in value):
        raise ValueError(_("Write at least one visible character."))
    return value


def clean_line(value: str) -> str:
    """A required single-line text: a title, a name."""
    return _required(_normalise(value, single_line=True))


def clean_body(value: str) -> str:
    """A required multi-line text: a post, a question."""
    return _required(_normalise(value, single_line=False))


def clean_note(value: str) -> str:
    """An optional multi-line text: a description, a comment; may be empty."""
    return _normalise(value, single_line=False)


def clean_date(value: date) -> date:
    """A date or a time (datetime is a date) between YEAR_MIN and YEAR_MAX."""
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        raise ValueError(
            _("Give a date between %(low)s and %(high)s.", low=YEAR_MIN, high=YEAR_MAX)
        )
    return value


def _checked(clean, value, field: str, limit: int) -> str:
    try:
        value = clean(value if isinstance(value, str) else "")
    except ValueError as error:
        raise Invalid(fields={field: str(error)}) from None
    if len(value) > limit:
        raise Invalid(fields={field: _("At most %(n)s characters.", n=limit)})
    return value


def check_line(value: str | None, field: str, limit: int) -> str:
    """clean_line for services: Invalid on `field`, also when longer than `limit`."""
    return _checked(clean_line, value, field, limit)


def check_body(value: str | None, field: str, limit: int) -> str:
    return _checked(clean_body, value, field, limit)


def check_note(value: str | None, field: str, limit: int) -> str:
    return _checked(clean_note, value, field, limit)


def check_date(value: date, field: str) -> date:
    try:
        return clean_date(value)
    except ValueError as error:
        raise Invalid(fields={field: str(error)}) from None


def page_arg() -> int:
    """?page= of an HTML page: 1 when left out; a page that cannot exist (not a number
    from 1 to PAGE_MAX) is a missing page, 404, as is a page past a thread's end."""
    raw = request.args.get("page")
    if raw is None:
        return 1
    page = parse_id(raw)
    if page is None or page > PAGE_MAX:
        raise NotFound()
    return page


def parse_id(text: str | None) -> int | None:
    """An id written in ASCII digits, or None when it is not one or out of range."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= ID_MAX else None


def id_arg(name: str, values: MultiDict | None = None) -> int | None:
    """An optional id from a page's query string (or a form's `values`); None when it is
    missing or not an id."""
    return parse_id((request.args if values is None else values).get(name))


def id_args(name: str, values: MultiDict) -> list[int]:
    """The ids a form sends under `name` (checkboxes); what is not an id is left out;
    Invalid when there are more than IDS_MAX."""
    ids = [i for i in map(parse_id, values.getlist(name)) if i is not None]
    if len(ids) > IDS_MAX:
        raise Invalid(fields={name: _("At most %(n)s items.", n=IDS_MAX)})
    return ids


Id = Annotated[int, Field(ge=1, le=ID_MAX)]
Ids = Annotated[list[Id], Field(max_length=IDS_MAX, description=f"At most {IDS_MAX} ids")]
# What the JSON Schema can say of the text rules (the functions above have the last word).
_LINE_SCHEMA = {
    "minLength": 1,
    "pattern": r"^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$",
}
_TEXT_SCHEMA = {"pattern": r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"}

Line = Annotated[str, AfterValidator(clean_line), Field(json_schema_extra=_LINE_SCHEMA)]
Body = Annotated[
    str, AfterValidator(clean_body), Field(json_schema_extra={**_TEXT_SCHEMA, "minLength": 1})
]
Note = Annotated[str, AfterValidator(clean_note), Field(json_schema_extra=_TEXT_SCHEMA)]
Moment = Annotated[AwareDatetime, AfterValidator(clean_date)]
Day = Annotated[date, AfterValidator(clean_date)]
Page = Annotated[int, Field(ge=1, le=PAGE_MAX)]
