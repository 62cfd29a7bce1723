"""`cop backup` and `cop restore`: one archive holding a consistent copy of the database
(pg_dump for PostgreSQL, SQLite's online backup API for SQLite) and the attachments
folder. The search index is not in it: restore rebuilds it from the database.

The database is copied first and the attachments after it, so a file added meanwhile is
at worst one too many; only a file deleted in those seconds can be missing (its post then
shows it as missing, docs/serving.md)."""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import URL

from cop.accounts.models import User
from cop.attachments.storage import root as attachments_root
from cop.db import utcnow
from cop.extensions import db
from cop.search import backend
from cop.search.pg import table as search_tables

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
FILES = "attachments"


class BackupError(Exception):
    """Something the person can fix: the message says what."""


@dataclass
class Summary:
    dialect: str
    revision: str | None
    files: int


def _dialect() -> str:
    name = db.engine.dialect.name
    if name not in DUMPS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def _revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _pg(url: URL) -> tuple[list[str], dict[str, str]]:
    """libpq connection arguments for pg_dump/pg_restore; the password goes in the
    environment, not on a command line others can read."""
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ, "PGPASSWORD": url.password or ""} if url.password else dict(os.environ)
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is missing: apt-get install postgresql-client.")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def _dump(dialect: str, target: Path) -> None:
    if dialect == "sqlite":
        source = sqlite3.connect(db.engine.url.database)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # a consistent snapshot while the site keeps writing
        finally:
            copy.close()
            source.close()
        return
    args, env = _pg(db.engine.url)
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args], env)


def _stored_files() -> list[Path]:
    """The attachments, without uploads still being received (`tmp/`)."""
    files = attachments_root()
    if not files.is_dir():
        return []
    staging = files / "tmp"
    return sorted(p for p in files.rglob("*") if p.is_file() and staging not in p.parents)


def backup(archive: Path) -> Summary:
    """Write the archive (a .tar.gz) of this instance; the file is only in place once
    complete."""
    dialect = _dialect()
    archive = archive.resolve()
    if not archive.parent.is_dir():
        raise BackupError(f"There is no folder {archive.parent}.")
    with tempfile.TemporaryDirectory(dir=archive.parent) as work:
        dump = Path(work) / DUMPS[dialect]
        _dump(dialect, dump)
        files = _stored_files()
        summary = Summary(dialect, _revision(), len(files))
        manifest = Path(work) / MANIFEST
        manifest.write_text(
            json.dumps(
                {
                    "format": FORMAT,
                    "created_at": utcnow().isoformat(),
                    "database": dialect,
                    "revision": summary.revision,
                    "attachments": summary.files,
                    "search_index": "not included: restore rebuilds it",
                },
                indent=2,
            )
        )
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(manifest, MANIFEST)  # first, so restore reads it without unpacking
            tar.add(dump, DUMPS[dialect])
            for path in files:
                tar.add(path, f"{FILES}/{path.relative_to(attachments_root()).as_posix()}")
        os.replace(partial, archive)
    return summary


def _manifest(tar: tarfile.TarFile) -> dict:
    try:
        member = tar.extractfile(MANIFEST)
        manifest = json.loads(member.read()) if member else None
    except (KeyError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This is not a cop backup (no manifest.json of format 1).")
    return manifest


def occupied() -> str | None:
    """What this instance already holds, in words, or None when it is empty (a database
    not created yet, or created by `cop init` without any account, and no files)."""
    if inspect(db.engine).has_table(User.__tablename__):
        people = db.session.scalar(select(func.count(User.id)))
        db.session.remove()
        if people:
            return f"{people} accounts"
    files = len(_stored_files())
    return f"{files} attachments" if files else None


def _unpack(archive: Path, work: Path) -> dict:
    """The archive's manifest, with its content unpacked into `work`."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            manifest = _manifest(tar)
            tar.extractall(work, filter="data")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(f"Cannot read {archive}: {error}.") from None
    return manifest


def restore(archive: Path, *, force: bool = False) -> Summary:
    """Replace this instance's database and attachments with the archive's, then bring
    the schema to this version and rebuild the search index. Refuses a non-empty
    instance unless `force`, an archive of the other database kind, or one made by a
    newer version of cop, before changing anything."""
    if not archive.is_file():
        raise BackupError(f"There is no file {archive}.")
    dialect = _dialect()
    held = occupied()
    if held and not force:
        raise BackupError(
            f"This instance is not empty ({held}): add --force to replace everything in it "
            "with the backup."
        )
    with tempfile.TemporaryDirectory(dir=current_app.instance_path) as folder:
        work = Path(folder)
        manifest = _unpack(archive, work)
        if manifest.get("database") != dialect:
            raise BackupError(
                f"The backup is of a {manifest.get('database')} database and this instance "
                f"uses {dialect}: restore it on an instance of the same kind."
            )
        _check_revision(manifest.get("revision"))
        dump = work / DUMPS[dialect]
        if not dump.is_file():
            raise BackupError(f"The backup has no {DUMPS[dialect]}.")
        _load(dialect, dump)
        files = _replace_attachments(work / FILES)
    upgrade()
    backend.current().rebuild(lambda n: None)
    return Summary(dialect, manifest.get("revision"), files)


def _check_revision(revision: str | None) -> None:
    migrations = current_app.extensions["migrate"].directory
    script = ScriptDirectory(migrations)
    known = {rev.revision for rev in script.walk_revisions()}
    if revision is not None and revision not in known:
        raise BackupError(
            f"The backup's schema ({revision}) is newer than this version of cop knows: "
            "upgrade cop first."
        )


def _load(dialect: str, dump: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    if dialect == "sqlite":
        source = sqlite3.connect(dump)
        target = sqlite3.connect(db.engine.url.database)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    with db.engine.begin() as conn:  # whatever this version's schema holds goes first
        db.metadata.drop_all(conn)
        search_tables.metadata.drop_all(conn)  # made by migration 0023, outside the app's
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.engine.dispose()
    args, env = _pg(db.engine.url)
    _run(["pg_restore", "--no-owner", "--single-transaction", *args, str(dump)], env)


def _replace_attachments(source: Path) -> int:
    target = attachments_root()
    if target.exists():
        shutil.rmtree(target)
    if not source.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return 0
    shutil.copytree(source, target)
    return sum(1 for p in target.rglob("*") if p.is_file())
