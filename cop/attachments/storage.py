"""Attachment bytes on disk: one file per content hash under <instance>/attachments, outside
static/, at a path made only from the hash (never from anything a request says). Files are
staged to a temporary file first and moved into place atomically, so a reader never sees
half a file and a refused upload leaves nothing behind. A file moved into place by a
transaction that then fails (the database down or its disk full) is removed again."""

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from cop.attachments.models import Attachment
from cop.extensions import db

CHUNK = 64 * 1024
HEAD = 4096  # what type sniffing looks at
_SHA256 = re.compile(r"[0-9a-f]{64}")


class TooLarge(Exception):
    pass


@dataclass
class Staged:
    """An upload copied aside: its hash, size, first bytes and temporary file."""

    sha256: str
    size: int
    head: bytes
    temp: Path


def root() -> Path:
    return Path(current_app.instance_path) / "attachments"


def path_for(sha256: str) -> Path:
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return root() / sha256[:2] / sha256[2:4] / sha256


def stage(stream: BinaryIO, max_bytes: int) -> Staged:
    """Copies a stream to a temporary file, hashing it on the way; raises TooLarge (and
    keeps nothing) as soon as it passes `max_bytes`."""
    folder = root() / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix="upload-")
    temp = Path(name)
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge()
                if len(head) < HEAD:
                    head += chunk[: HEAD - len(head)]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return Staged(digest.hexdigest(), size, head, temp)


def keep(staged: Staged) -> None:
    """Moves a staged file into place; bytes stored before under the same hash stay."""
    target = path_for(staged.sha256)
    if target.exists():
        staged.temp.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged.temp, target)
    db.session.info.setdefault(_PLACED, []).append(target)


_PLACED = "cop_placed_files"  # Session.info: files this transaction put in place


@event.listens_for(Session, "after_commit")
def _placed_files_stand(session: Session) -> None:
    session.info.pop(_PLACED, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_placed_files(session: Session, transaction: SessionTransaction) -> None:
    """The transaction ended without its commit: the files it placed did not exist before
    it, so nothing refers to them, unless another upload of the same bytes committed
    meanwhile. Asked on a connection of its own; if the database cannot answer, the
    files stay (unreferenced bytes waste space, a removed file would lose a post's)."""
    if transaction.parent is not None or _PLACED not in session.info:
        return
    placed = {path.name: path for path in session.info.pop(_PLACED)}
    query = select(Attachment.sha256).where(Attachment.sha256.in_(placed))
    try:
        with session.get_bind().connect() as connection:
            used = set(connection.scalars(query))
    except SQLAlchemyError:
        return
    for sha256 in placed.keys() - used:
        placed[sha256].unlink(missing_ok=True)


def discard(staged: Iterable[Staged]) -> None:
    """Removes temporary files that were not kept (those kept are gone already)."""
    for item in staged:
        item.temp.unlink(missing_ok=True)


def prune(hashes: Iterable[str]) -> None:
    """After a commit that removed attachments: deletes the files nothing refers to now."""
    hashes = set(hashes)
    if not hashes:
        return
    used = set(db.session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(hashes))))
    for sha256 in hashes - used:
        path_for(sha256).unlink(missing_ok=True)
