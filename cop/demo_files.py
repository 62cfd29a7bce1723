"""Small files for the demo's posts, made on the spot: a bar chart (PNG) and a table (CSV)."""

import struct
import zlib

WHITE, BLUE = b"\xff\xff\xff", b"\x00\x57\xb7"


def bar_chart_png(values: list[float], width: int = 480, bar: int = 28, gap: int = 12) -> bytes:
    """Horizontal bars, the longest across the picture; the numbers are in the post."""
    height = gap + len(values) * (bar + gap)
    longest = max(values)
    rows = []
    for y in range(height):
        index, offset = divmod(y - gap, bar + gap)
        length = 0
        if y >= gap and offset < bar:
            length = round(values[index] / longest * (width - 2 * gap))
        rows.append(b"\0" + WHITE * gap + BLUE * length + WHITE * (width - gap - length))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def csv(rows: list[tuple]) -> bytes:
    """Semicolons and a byte-order mark, so Excel with Ukrainian settings opens it right."""
    lines = (";".join(str(cell) for cell in row) for row in rows)
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()
