"""File names and types, without the app: what a name becomes and what content passes."""

import pytest

from cop.attachments.filetypes import (
    ascii_filename,
    clean_filename,
    content_disposition,
    type_of,
)
from tests import files


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Звіт.pdf", "Звіт.pdf"),
        ("C:\\Users\\Оля\\Desktop\\план.docx", "план.docx"),
        ("../../etc/passwd", "passwd"),
        ("..", ""),
        (".htaccess", "htaccess"),
        ("evil\u202egnp.exe", "evilgnp.exe"),  # a right-to-left override would show 'exe.png'
        ("a\x00b\r\n.txt", "ab.txt"),
        ('what?<is>"this"|*.csv', "what__is__this___.csv"),
        ("  много   пробілів  .md ", "много пробілів .md"),
        ("e\u0301.txt", "é.txt"),  # one form of each letter (NFC)
        (None, ""),
    ],
)
def test_clean_filename(raw, clean):
    assert clean_filename(raw) == clean


def test_long_names_keep_their_extension():
    name = clean_filename("я" * 300 + ".xlsx")
    assert len(name) == 200 and name.endswith("я.xlsx")


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("Звіт громади.pdf", "Zvit hromady.pdf"),
        ("Щорічний звіт.docx", "Shchorichnyi zvit.docx"),
        ("Юність і Єнакієве.txt", "Yunist i Yenakiieve.txt"),
        ("Комʼюніті.csv", "Komiuniti.csv"),
        ("«Лапки» — тире.md", "Lapky tyre.md"),
        ("日本.png", "file.png"),
        ("report.pdf", "report.pdf"),
    ],
)
def test_ascii_filename(name, plain):
    assert ascii_filename(name) == plain


def test_content_disposition_carries_both_names():
    assert content_disposition("Звіт.pdf", inline=False) == (
        "attachment; filename=\"Zvit.pdf\"; filename*=UTF-8''%D0%97%D0%B2%D1%96%D1%82.pdf"
    )
    assert content_disposition("a b.png", inline=True).startswith('inline; filename="a b.png";')


@pytest.mark.parametrize(
    ("name", "data", "ok"),
    [
        ("a.png", files.png(), True),
        ("a.png", files.JPEG, False),
        ("a.jpg", files.JPEG, True),
        ("a.gif", files.GIF, True),
        ("a.webp", files.WEBP, True),
        ("a.webp", b"RIFF\0\0\0\0WAVEfmt ", False),
        ("a.pdf", files.PDF, True),
        ("a.docx", files.docx(), True),
        ("a.xlsx", files.docx(), False),  # a Word file renamed to .xlsx
        ("a.odt", files.odt(), True),
        ("a.ods", files.odt(), False),
        ("a.zip", files.plain_zip(), True),
        ("a.zip", b"PK\x03\x04 not really", False),
        ("a.csv", files.CSV, True),
        ("a.txt", b"\xef\xbb\xbf  <!DOCTYPE html><p>", False),
        ("a.md", b"<svg onload=alert(1)>", False),
        ("a.txt", b"binary\0data", False),
    ],
)
def test_content_must_match_the_extension(tmp_path, name, data, ok):
    path = tmp_path / "upload"
    path.write_bytes(data)
    assert type_of(name).matches(data[:4096], path) is ok


@pytest.mark.parametrize("name", ["a.svg", "a.html", "a.htm", "a.exe", "a.js", "a", ".png"])
def test_other_types_are_not_allowed(name):
    assert type_of(name) is None
