"""Real faults for the fault tests: a private PostgreSQL server that a test may stop, make
read-only and start again; a small filesystem the test mounts, fills or makes read-only;
another process holding a SQLite write lock. Mounting needs root, as CI runs."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.servers import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as Debian's `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    """A PostgreSQL 15 server of the test's own (initdb into a temporary folder) on a free
    loopback port, database `cop` owned by the superuser `cop`, trust authentication. The
    shared cluster on port 5432 is never touched."""

    def __init__(self):
        assert (PG_BIN / "initdb").exists(), "PostgreSQL 15 is missing: apt-get install postgresql"
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="cop-faults-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.url = f"postgresql+psycopg://cop@127.0.0.1:{self.port}/cop"
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "cop", "--auth=trust", "-E", "UTF8")
        self.start()
        self.psql("postgres", "CREATE DATABASE cop")

    def _run(self, *command) -> None:
        subprocess.run(
            _as_postgres([str(c) for c in command]), check=True, capture_output=True, timeout=60
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        log = self.folder / "server.log"
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        """A fast shutdown: open connections are cut, as when a server goes down."""
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def psql(self, database: str, sql: str) -> None:
        self._run(
            "/usr/bin/psql", "-h", "127.0.0.1", "-p", self.port, "-U", "cop", "-d", database,
            "-v", "ON_ERROR_STOP=1", "-c", sql,
        )  # fmt: skip

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


class SmallDisk:
    """A tmpfs of `size` mounted at `path` (root only): a disk that fills up or turns
    read-only for real."""

    def __init__(self, path: Path, size: str):
        assert os.geteuid() == 0, "the storage fault tests mount a filesystem: run them as root"
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], check=True)

    def fill(self) -> Path:
        """Writes a file until the disk is full; returns it (delete it to make room)."""
        filler = self.path / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 65536)
        except OSError:
            pass
        try:
            while True:
                os.write(fd, b"\0" * 512)
        except OSError:
            pass
        finally:
            os.close(fd)
        return filler

    def remount(self, mode: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{mode}", self.path], check=True)

    def unmount(self) -> None:
        subprocess.run(["umount", "--lazy", self.path], check=True)


LOCKER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("ROLLBACK")
"""


class WriteLock:
    """Another process holding the SQLite database's write lock for `seconds`."""

    def __init__(self, database: Path, seconds: float):
        self.process = subprocess.Popen(
            [sys.executable, "-c", LOCKER, str(database), str(seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "locked"
        self.taken = time.monotonic()

    def wait(self) -> None:
        self.process.wait(timeout=30)
        self.process.stdout.close()
