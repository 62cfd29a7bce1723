"""What an accepted file may cost whoever opens it: a picture's pixel count, read from its
header before anything decodes it, and an archive's declared unpacked size and
compression ratio (zip, and the office formats that are zips), read from its directory."""

import struct
import zipfile
from pathlib import Path

from flask_babel import gettext as _

from cop.attachments.filetypes import FileType

# A phone's largest photos are about 50 megapixels; a browser decodes a picture into
# 4 bytes a pixel, so this is the most one inline picture makes a reader's device hold.
IMAGE_PIXELS_MAX = 50_000_000
# Unpacked, an archive may hold this much, and be packed at most this tightly once it is
# big enough for the ratio to matter (office files' XML packs 10 to 30 times).
ARCHIVE_BYTES_MAX = 256 * 1024 * 1024
ARCHIVE_RATIO_MAX = 100
ARCHIVE_RATIO_FROM = 1024 * 1024
ARCHIVE_MEMBERS_MAX = 10_000

_JPEG_NO_SIZE = {0xC4, 0xC8, 0xCC}  # markers in the SOF range that are not frames


def _png(head: bytes) -> tuple[int, int] | None:
    if head[12:16] != b"IHDR" or len(head) < 24:
        return None
    return struct.unpack(">II", head[16:24])


def _gif(head: bytes) -> tuple[int, int] | None:
    return struct.unpack("<HH", head[6:10]) if len(head) >= 10 else None


def _webp(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a" and len(head) >= 30:
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and head[20:21] == b"\x2f" and len(head) >= 25:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(head) >= 30:
        return int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    return None


def _jpeg(path: Path) -> tuple[int, int] | None:
    """The frame header's size, walking the segments before the picture data."""
    with path.open("rb") as file:
        file.seek(2)
        while True:
            marker = file.read(4)
            if len(marker) < 4 or marker[0] != 0xFF:
                return None
            if marker[1] == 0xFF:  # fill bytes may pad a marker
                file.seek(-3, 1)
                continue
            kind, length = marker[1], struct.unpack(">H", marker[2:])[0]
            if 0xC0 <= kind <= 0xCF and kind not in _JPEG_NO_SIZE:
                frame = file.read(5)
                if len(frame) < 5:
                    return None
                height, width = struct.unpack(">HH", frame[1:])
                return width, height
            if kind == 0xDA or length < 2:  # the picture data starts without a frame header
                return None
            file.seek(length - 2, 1)


def image_size(content_type: str, head: bytes, path: Path) -> tuple[int, int] | None:
    """Width and height as the file's header declares them; None if it declares none."""
    if content_type == "image/png":
        return _png(head)
    if content_type == "image/gif":
        return _gif(head)
    if content_type == "image/webp":
        return _webp(head)
    return _jpeg(path)


def image_refusal(name: str, content_type: str, head: bytes, path: Path) -> str | None:
    size = image_size(content_type, head, path)
    if size is None:
        return _("“%(name)s”: the picture's size cannot be read.", name=name)
    width, height = size
    if width * height > IMAGE_PIXELS_MAX:
        return _(
            "“%(name)s” is %(width)s × %(height)s pixels; at most %(n)s million pixels.",
            name=name,
            width=width,
            height=height,
            n=IMAGE_PIXELS_MAX // 1_000_000,
        )
    return None


def archive_refusal(name: str, path: Path) -> str | None:
    """Refuses an archive by what its directory declares; nothing is unpacked."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    unpacked = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if (
        len(members) > ARCHIVE_MEMBERS_MAX
        or unpacked > ARCHIVE_BYTES_MAX
        or (unpacked > ARCHIVE_RATIO_FROM and unpacked / packed > ARCHIVE_RATIO_MAX)
    ):
        return _(
            "“%(name)s” unpacks to too much (at most %(n)s MB, packed at most %(ratio)s times).",
            name=name,
            n=ARCHIVE_BYTES_MAX // (1024 * 1024),
            ratio=ARCHIVE_RATIO_MAX,
        )
    return None


def refusal(name: str, file_type: FileType, head: bytes, path: Path) -> str | None:
    """Why a file whose content matches its type is still too costly to accept, if it is."""
    if file_type.inline:
        return image_refusal(name, file_type.content_type, head, path)
    if file_type.archive:
        return archive_refusal(name, path)
    return None
