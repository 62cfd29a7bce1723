"""The answer carrying a person's data: the same for the profile page and the API."""

import os
from collections.abc import Iterator
from typing import IO

from flask import Response

from cop.db import utcnow
from cop.privacy import export

CHUNK = 64 * 1024


def _chunks(archive: IO[bytes]) -> Iterator[bytes]:
    # Closed (and so deleted) when the last chunk is out or the client goes away.
    with archive:
        while chunk := archive.read(CHUNK):
            yield chunk


def data_response(user) -> Response:
    archive = export.build(user)
    size = os.fstat(archive.fileno()).st_size
    response = Response(_chunks(archive), mimetype="application/zip")
    name = f"cop-{user.username}-{utcnow():%Y-%m-%d}.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Length"] = str(size)
    response.headers["Cache-Control"] = "no-store"
    return response
