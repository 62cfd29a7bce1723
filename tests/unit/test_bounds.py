"""Pictures' sizes as their headers declare them, read without decoding anything."""

import struct

import pytest

from cop.attachments.bounds import image_size
from tests import files


def _gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00;"


def _webp_lossy(width: int, height: int) -> bytes:
    frame = b"\x00\x00\x00\x9d\x01\x2a" + struct.pack("<HH", width, height)
    return b"RIFF\x00\x00\x00\x00WEBPVP8 \x0a\x00\x00\x00" + frame


def _webp_extended(width: int, height: int) -> bytes:
    canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00" + b"\x00" * 4 + canvas


@pytest.mark.parametrize(
    ("content_type", "data", "size"),
    [
        ("image/png", files.png(3, 2), (3, 2)),
        ("image/png", files.png_claiming(20_000, 20_000), (20_000, 20_000)),
        ("image/jpeg", files.jpeg(4000, 3000), (4000, 3000)),
        ("image/jpeg", files.jpeg(20_000, 20_000), (20_000, 20_000)),
        ("image/gif", _gif(65_535, 65_535), (65_535, 65_535)),
        ("image/webp", files.WEBP, (1, 1)),
        ("image/webp", _webp_lossy(16_383, 16_383), (16_383, 16_383)),
        ("image/webp", _webp_extended(16_777_216, 2), (16_777_216, 2)),
        ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00", None),
        ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, None),
    ],
)
def test_the_declared_size_is_read_from_the_header(tmp_path, content_type, data, size):
    path = tmp_path / "picture"
    path.write_bytes(data)
    assert image_size(content_type, data[:4096], path) == size
