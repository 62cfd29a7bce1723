"""A database that is read-only when cop starts, then made writable: writes get a 503
meanwhile and go through again within a second, without a restart (before, pooled
connections stayed read-only and every request failed until one)."""

import time

from tests.faults.conftest import prepare, sqlite_site
from tests.faults.infra import SmallDisk

NEW = {"title": "Бюджет участі", "body": "Що з ним?"}


def _write(client, site):
    return client.post(
        f"/api/v1/spaces/{site.forum}/discussions",
        json=NEW,
        headers={"Authorization": f"Bearer {site.token}"},
    )


def _read(client, site):
    """As a guest: using a token writes when it was last used over five minutes ago."""
    return client.get(f"/api/v1/spaces/{site.forum}/discussions")


def _unavailable(response) -> None:
    assert response.status_code == 503, response.data[:300]
    assert response.headers["Retry-After"]
    assert "Спробуйте" in response.json["error"]["message"]


def _writable_within_a_second(client, site) -> None:
    since = time.monotonic()
    while (response := _write(client, site)).status_code != 201:
        _unavailable(response)
        assert time.monotonic() - since < 1, "still refused a second after it became writable"
    assert _read(client, site).json["total"] == 1


def test_postgres_read_only_at_start_then_writable(postgres, tmp_path):
    site = prepare(tmp_path, postgres.url)
    postgres.psql("postgres", "ALTER DATABASE cop SET default_transaction_read_only = on")
    client = site.app().test_client()

    assert _read(client, site).status_code == 200
    # A token not used for five minutes records its use: the write fails, the read does not.
    member = client.get("/api/v1/me", headers={"Authorization": f"Bearer {site.token}"})
    assert member.status_code == 200, member.data[:300]
    for _ in range(3):
        _unavailable(_write(client, site))
    assert _read(client, site).json["total"] == 0

    postgres.psql("postgres", "ALTER DATABASE cop SET default_transaction_read_only = off")
    _writable_within_a_second(client, site)


def test_sqlite_on_a_read_only_disk_at_start_then_writable(sqlite_template, tmp_path):
    disk = SmallDisk(tmp_path / "disk", "16m")
    try:
        site = sqlite_site(tmp_path / "instance", sqlite_template, disk.path / "cop.sqlite")
        disk.remount("ro")
        client = site.app().test_client()
        _unavailable(_read(client, site))
        _unavailable(_write(client, site))

        disk.remount("rw")
        _writable_within_a_second(client, site)
    finally:
        disk.unmount()
