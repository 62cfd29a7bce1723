"""The input boundary (cop/inputs.py): what each rule refuses and keeps, and, as properties,
that any text or number either comes out clean or is refused with a message."""

import unicodedata
from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from cop.errors import Invalid
from cop.inputs import (
    ID_MAX,
    IDS_MAX,
    Body,
    Day,
    Id,
    Ids,
    Line,
    Moment,
    Note,
    check_line,
    clean_body,
    clean_line,
    clean_note,
    parse_id,
)

BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


class Sample(BaseModel):
    id: Id = None
    ids: Ids = None
    title: Line = None
    body: Body = None
    note: Note = None
    at: Moment = None
    on: Day = None


def refused(**fields) -> bool:
    try:
        Sample.model_validate(fields)
    except ValidationError:
        return True
    return False


@pytest.mark.parametrize("value", [0, -1, ID_MAX + 1, 2**63, 2**64])
def test_ids_out_of_range_are_refused(value):
    assert refused(id=value)


def test_ids_in_range_are_kept():
    assert Sample(id=1).id == 1 and Sample(id=ID_MAX).id == ID_MAX


def test_id_lists_are_capped():
    assert Sample(ids=list(range(1, IDS_MAX + 1))).ids[-1] == IDS_MAX
    assert refused(ids=list(range(1, IDS_MAX + 2)))
    assert refused(ids=[1, 2**40])


@pytest.mark.parametrize("text", ["12", " 7 ", str(ID_MAX)])
def test_parse_id_reads_ascii_digits(text):
    assert parse_id(text) == int(text)


@pytest.mark.parametrize("text", ["", "0", "-3", "²", "٣", "1e3", str(ID_MAX + 1), "9" * 30, None])
def test_parse_id_refuses_what_is_not_an_id(text):
    assert parse_id(text) is None


@pytest.mark.parametrize("clean", [clean_line, clean_body, clean_note])
@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\ud800"])
def test_control_characters_are_refused_everywhere(clean, char):
    with pytest.raises(ValueError, match="control"):
        clean(f"a{char}b")


def test_bodies_keep_newlines_and_tabs_and_unify_line_breaks():
    assert clean_body("a\r\n\tb\rc") == "a\n\tb\nc"


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\u2028", "\u2029"])
def test_titles_are_one_line(char):
    with pytest.raises(ValueError, match="single line"):
        clean_line(f"a{char}b")


@pytest.mark.parametrize("char", BIDI)
def test_titles_refuse_direction_overrides(char):
    with pytest.raises(ValueError, match="direction"):
        clean_line(f"abc{char}fdp.exe")


def test_text_is_nfc():
    assert clean_line("Cafe\u0301") == "Café"
    assert clean_body("i\u0308") == "\u00ef"


@pytest.mark.parametrize("clean", [clean_line, clean_body])
@pytest.mark.parametrize("text", [ZERO_WIDTH, "\u3164\u2800", " \u00a0\u3000", "\u0301"])
def test_required_text_needs_a_visible_character(clean, text):
    with pytest.raises(ValueError):
        clean(text)


def test_an_optional_note_may_be_empty():
    assert clean_note("  ") == ""


def test_services_get_the_same_rule_as_invalid_on_the_field(ctx):
    with pytest.raises(Invalid) as error:
        check_line("a\x00", "title", 10)
    assert set(error.value.fields) == {"title"}
    with force_locale("en"), pytest.raises(Invalid) as error:
        check_line("abcdef", "name", 3)
    assert error.value.fields == {"name": "At most 3 characters."}


def test_dates_outside_the_sane_range_are_refused():
    assert refused(at="0001-01-01T00:00:00+05:00")
    assert refused(at="9999-12-31T23:59:59-05:00")
    assert refused(at="2026-01-01T10:00:00")  # no time zone
    assert refused(on="1066-10-14")
    assert Sample(at="2026-03-01T10:00:00+02:00").at.year == 2026
    assert Sample(on="2026-03-01").on == date(2026, 3, 1)


@settings(max_examples=300)
@given(st.text())
def test_any_text_comes_out_clean_or_is_refused(text):
    for clean, single_line in ((clean_line, True), (clean_body, False), (clean_note, False)):
        try:
            out = clean(text)
        except ValueError as error:
            assert str(error)
            continue
        assert out == out.strip() and unicodedata.is_normalized("NFC", out)
        assert all(c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs") for c in out)
        if single_line:
            assert "\n" not in out and "\t" not in out and not set(out) & set(BIDI)
        if clean is not clean_note:
            assert out


@given(st.integers() | st.text() | st.none() | st.floats() | st.lists(st.integers()))
def test_any_id_is_in_range_or_refused(value):
    try:
        sample = Sample.model_validate({"id": value})
    except ValidationError:
        return
    assert sample.id is None or 1 <= sample.id <= ID_MAX


@given(st.datetimes(timezones=st.timezones()))
def test_any_aware_time_is_in_range_or_refused(moment: datetime):
    try:
        sample = Sample(at=moment.isoformat())
    except ValidationError:
        return
    assert 1900 <= sample.at.year <= 2100
    sample.at.astimezone(UTC)  # what the services do with it: must not overflow
