"""A full disk under the instance folder (a small tmpfs filled up): a post with an
attachment gets a 503 and leaves nothing behind, neither a post without its file nor a
file without its post; once there is room again the same post goes through."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cop.discussions.models import Discussion
from cop.extensions import db
from tests.conftest import login
from tests.faults.conftest import sqlite_site
from tests.faults.infra import SmallDisk

PDF = b"%PDF-1.4\n" + b"0" * 200_000


@pytest.fixture
def disk(tmp_path):
    disk = SmallDisk(tmp_path / "disk", "8m")
    yield disk
    disk.unmount()


def _post(client, forum: int):
    return client.post(
        f"/spaces/{forum}/discussions/new",
        data={"title": "Звіт громади", "body": "У додатку.", "file": (io.BytesIO(PDF), "z.pdf")},
        content_type="multipart/form-data",
    )


def _stored(app) -> tuple[int, list[str]]:
    """Discussions in the database, files under the attachments folder (staging included,
    as tmp/...)."""
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Discussion))
        db.session.remove()
    folder = Path(app.instance_path) / "attachments"
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    return count, files


def _full_then_room(app, disk, forum: int) -> None:
    client = app.test_client()
    assert login(client, "admin@example.org").status_code == 302
    filler = disk.fill()

    refused = _post(client, forum)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"]
    assert "Спробуйте пізніше" in refused.get_data(as_text=True)
    assert _stored(app) == (0, [])

    filler.unlink()
    assert _post(client, forum).status_code == 302
    count, [stored] = _stored(app)
    assert count == 1
    assert not stored.startswith("tmp/")


def test_a_full_disk_under_the_instance_folder_refuses_the_upload_whole(sqlite_template, disk):
    """Attachments and the database on the full disk: staging the file fails first."""
    site = sqlite_site(disk.path / "instance", sqlite_template)
    _full_then_room(site.app(), disk, site.forum)


def test_a_full_database_disk_removes_the_file_already_in_place(sqlite_template, disk, tmp_path):
    """The file is stored (on another disk) and then the database cannot commit: the
    file goes again, nothing refers to it."""
    site = sqlite_site(tmp_path / "instance", sqlite_template, disk.path / "cop.sqlite")
    _full_then_room(site.app(), disk, site.forum)
