"""What may be attached: an allowlist by extension, each type checked against the content
itself (its first bytes, and for zip-based office files the archive's own marker), and
file names made safe to show and to send back in a header."""

import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from cop.attachments.models import FILENAME_MAX

Sniffer = Callable[[bytes, Path], bool]


@dataclass(frozen=True)
class FileType:
    content_type: str
    matches: Sniffer  # (the first bytes, the whole file) -> whether the content is this type
    archive: bool = False  # a zip, whose unpacked size is checked too

    @property
    def inline(self) -> bool:
        """Shown in the page; everything else is only ever downloaded."""
        return self.content_type.startswith("image/")


def _starts(*magic: bytes) -> Sniffer:
    return lambda head, _path: head.startswith(magic)


def _webp(head: bytes, _path: Path) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


# What a browser would take for a page or a drawing, whatever the file is called.
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe")


def _text(head: bytes, _path: Path) -> bool:
    """Text in any encoding (Excel's CSVs are often cp1251), but not markup."""
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return b"\0" not in head and not start.startswith(_MARKUP)


def _zip(path: Path) -> zipfile.ZipFile | None:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return None


def _zip_file(head: bytes, path: Path) -> bool:
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06")) and _zip(path) is not None


def _ooxml(folder: str) -> Sniffer:
    """Word, Excel, PowerPoint: a zip with a content-types list and the program's folder."""

    def matches(head: bytes, path: Path) -> bool:
        archive = _zip(path) if head.startswith(b"PK\x03\x04") else None
        if archive is None:
            return False
        with archive:
            names = archive.namelist()
        return "[Content_Types].xml" in names and any(n.startswith(f"{folder}/") for n in names)

    return matches


def _odf(mimetype: str) -> Sniffer:
    """OpenDocument: a zip whose first member, `mimetype`, names the document's type."""

    def matches(head: bytes, path: Path) -> bool:
        archive = _zip(path) if head.startswith(b"PK\x03\x04") else None
        if archive is None:
            return False
        with archive:
            names = archive.namelist()
            if not names or names[0] != "mimetype":
                return False
            with archive.open("mimetype") as member:
                return member.read(100) == mimetype.encode()

    return matches


_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."
TYPES: dict[str, FileType] = {
    "png": FileType("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    "jpg": FileType("image/jpeg", _starts(b"\xff\xd8\xff")),
    "jpeg": FileType("image/jpeg", _starts(b"\xff\xd8\xff")),
    "gif": FileType("image/gif", _starts(b"GIF87a", b"GIF89a")),
    "webp": FileType("image/webp", _webp),
    "pdf": FileType("application/pdf", _starts(b"%PDF-")),
    "docx": FileType(_OOXML + "wordprocessingml.document", _ooxml("word"), archive=True),
    "xlsx": FileType(_OOXML + "spreadsheetml.sheet", _ooxml("xl"), archive=True),
    "pptx": FileType(_OOXML + "presentationml.presentation", _ooxml("ppt"), archive=True),
    "odt": FileType(_ODF + "text", _odf(_ODF + "text"), archive=True),
    "ods": FileType(_ODF + "spreadsheet", _odf(_ODF + "spreadsheet"), archive=True),
    "odp": FileType(_ODF + "presentation", _odf(_ODF + "presentation"), archive=True),
    "txt": FileType("text/plain", _text),
    "csv": FileType("text/csv", _text),
    "md": FileType("text/markdown", _text),
    "zip": FileType("application/zip", _zip_file, archive=True),
}
EXTENSIONS = ", ".join(TYPES)
ACCEPT = ",".join(f".{ext}" for ext in TYPES)  # the file input's hint to the browser


def extension(filename: str) -> str:
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem else ""


def type_of(filename: str) -> FileType | None:
    return TYPES.get(extension(filename))


_UNSAFE = re.compile(r'[\\/:*?"<>|]')


def clean_filename(raw: str | None) -> str:
    """The name to show: no folders, no control or direction-changing characters (which
    can disguise an extension), no characters file systems refuse, not too long."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(_UNSAFE.sub("_", name).split()).strip(" .")
    if len(name) > FILENAME_MAX:
        ext = extension(name)
        keep = FILENAME_MAX - len(ext) - 1 if ext else FILENAME_MAX
        name = name[:keep].rstrip(" .") + (f".{ext}" if ext else "")
    return name


# Ukrainian to Latin as the 2010 national standard has it (word-initial forms apart).
_LATIN = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "h",
    "ґ": "g",
    "д": "d",
    "е": "e",
    "є": "ie",
    "ж": "zh",
    "з": "z",
    "и": "y",
    "і": "i",
    "ї": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ь": "",
    "ю": "iu",
    "я": "ia",
    "ы": "y",
    "э": "e",
    "ё": "io",
    "ъ": "",
}
_LATIN_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}


def ascii_filename(filename: str) -> str:
    """A plain-ASCII stand-in for old clients: 'Звіт громади.pdf' -> 'Zvit hromady.pdf'."""
    ext = extension(filename)
    stem = filename[: -len(ext) - 1] if ext else filename
    out, after_letter = [], False
    for ch in stem:
        low = ch.lower()
        if low in _LATIN:
            latin = _LATIN[low] if after_letter else _LATIN_INITIAL.get(low, _LATIN[low])
            out.append(latin.capitalize() if ch != low else latin)
        elif ch not in "'ʼ’":
            out.append(ch)
        after_letter = ch.isalpha()
    latin = unicodedata.normalize("NFKD", "".join(out)).encode("ascii", "ignore").decode()
    latin = re.sub(r"[^A-Za-z0-9()+,.=@_ -]+", "_", " ".join(latin.split())).strip(" ._")
    latin = latin or "file"
    return f"{latin}.{ext}" if ext else latin


def content_disposition(filename: str, inline: bool) -> str:
    """Both names: the ASCII one for old clients, the real one per RFC 5987/6266."""
    kind = "inline" if inline else "attachment"
    real = quote(filename, safe="!#$&+-.^_`|~")
    return f"{kind}; filename=\"{ascii_filename(filename)}\"; filename*=UTF-8''{real}"
