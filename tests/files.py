"""Small real files of each kind, made in memory, for attachment tests."""

import io
import struct
import zipfile
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(width: int = 2, height: int = 2, seed: int = 0) -> bytes:
    """A valid RGB PNG; different seeds give different bytes."""
    row = b"\0" + bytes((seed + i) % 256 for i in range(width * 3))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * height))
        + _chunk(b"IEND", b"")
    )


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes of PNG whose header declares this size (a pixel bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels)


def jpeg(width: int = 1, height: int = 1) -> bytes:
    """A JPEG's start: its JFIF header and a baseline frame header of this size."""
    frame = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xc0"
        + struct.pack(">H", len(frame) + 2)
        + frame
        + b"\xff\xd9"
    )


JPEG = jpeg()
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = (
    b"RIFF\x1a\x00\x00\x00WEBP"
    + b"VP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CSV = "громада;населення\nВеликі Гаї;12000\n".encode("cp1251")  # as Excel saves it
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def docx() -> bytes:
    return _zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])


def odt() -> bytes:
    return _zip([("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"")])


def plain_zip() -> bytes:
    return _zip([("notes.txt", b"hello")])


def zip_bomb(megabytes: int = 20) -> bytes:
    """A zip of one member of zeros that unpacks to this many megabytes (about 1,000
    times its packed size)."""
    buffer = io.BytesIO()
    block = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(megabytes):
            member.write(block)
    return buffer.getvalue()


def docx_bomb(megabytes: int = 10) -> bytes:
    """A Word file whose document is a run of the same XML, packed very tightly."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:p/>" * (megabytes * 1024 * 1024 // 6))
    return buffer.getvalue()


def download(client, url: str, headers: dict | None = None):
    """GET a file, reading and closing it (an open file would warn)."""
    return client.get(url, headers=headers or {}, buffered=True)


def upload(data: bytes, name: str) -> tuple:
    """A file part for the test client's `data=`."""
    return (io.BytesIO(data), name)
