"""`cop backup` and `cop restore`: a running instance with posts, files and search, backed
up and restored into an empty instance of the same database kind, reads back the same."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from cop import create_app
from cop.extensions import db
from tests import files
from tests.api.test_attachments import attached, start
from tests.conftest import DATABASE_URL, _config


@pytest.fixture
def empty_uri(tmp_path):
    """A database nobody has created tables in: a new SQLite file, or a new PostgreSQL
    database beside the tests' one."""
    if not DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'restored' / 'cop.sqlite'}"
        return
    url = make_url(DATABASE_URL)
    name = f"{url.database}_restore"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))  # the role needs CREATEDB
        yield url.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# The index's to-do list: the rebuild that ends a restore does it all.
INDEX_BOOKKEEPING = {"search_outbox"}


def _content(app) -> dict:
    """Every row of every table, in key order, and every stored file's bytes."""
    with app.app_context():
        tables = {
            table.name: [
                tuple(row)
                for row in db.session.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in db.metadata.sorted_tables
            if table.name not in INDEX_BOOKKEEPING
        }
        db.session.remove()
    root = Path(app.instance_path) / "attachments"
    stored = {
        p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
    }
    return {"tables": tables, "files": stored}


def test_backup_then_restore_into_an_empty_instance(app, client, world, h, tmp_path, empty_uri):
    _d, post_id = start(client, h["member"], world.spaces["forum_signed"], title="Бюджет участі")
    attached(client, h["member"], post_id, (files.PDF, "звіт.pdf"), (files.png(), "карта.png"))
    archive = tmp_path / "cop-backup.tar.gz"
    made = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert "2 attachments" in made.output

    (tmp_path / "restored").mkdir()
    other = create_app(_config(tmp_path / "restored", empty_uri))
    done = other.test_cli_runner().invoke(args=["restore", str(archive)])
    assert done.exit_code == 0, done.output
    assert _content(other) == _content(app)
    found = other.test_client().get("/api/v1/search?q=Бюджет", headers=h["member"])
    assert [item["title"] for item in found.get_json()["items"]] == ["Бюджет участі"]

    again = other.test_cli_runner().invoke(args=["restore", str(archive)])
    assert again.exit_code == 1 and "not empty" in again.output and "--force" in again.output
    forced = other.test_cli_runner().invoke(args=["restore", "--force", str(archive)])
    assert forced.exit_code == 0, forced.output
    assert _content(other) == _content(app)
    with other.app_context():
        db.engine.dispose()


def test_what_is_not_a_backup_is_refused_with_a_message(app, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    for path, words in ((junk, "Cannot read"), (tmp_path / "missing.tar.gz", "no file")):
        result = app.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code == 1 and words in result.output, result.output
    nowhere = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "no" / "b.tar.gz")])
    assert nowhere.exit_code == 1 and "no folder" in nowhere.output
