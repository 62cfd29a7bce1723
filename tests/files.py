"""Small real files of each kind, made in memory, for attachment tests."""

import io
import struct
import zipfile
import zlib


def png(width: int = 2, height: int = 2, seed: int = 0) -> bytes:
    """A valid RGB PNG; different seeds give different bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\0" + bytes((seed + i) % 256 for i in range(width * 3))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\0" * 64 + b"\xff\xd9"
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


def download(client, url: str, headers: dict | None = None):
    """GET a file, reading and closing it (an open file would warn)."""
    return client.get(url, headers=headers or {}, buffered=True)


def upload(data: bytes, name: str) -> tuple:
    """A file part for the test client's `data=`."""
    return (io.BytesIO(data), name)
