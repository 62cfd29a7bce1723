"""Real server processes for tests: `cop run` (gunicorn, gevent), Debian's redis-server, and
python-socketio clients that keep what they receive."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import socketio as sio

# The `cop` command as its console script runs it: without the working folder on the path.
COP = [sys.executable, "-P", "-c", "from cop.cli import main; main()"]
NS = "/live"


_given: set[int] = set()


def free_port() -> int:
    """A free port on loopback: any, or one of `COP_TEST_PORTS` ("2100-2199") on a machine
    shared with other test runs."""
    first, _, last = os.environ.get("COP_TEST_PORTS", "0-0").partition("-")
    for port in range(int(first), int(last) + 1):
        if port in _given:  # handed out, maybe not bound yet
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            port = probe.getsockname()[1]
        if port:
            _given.add(port)
        return port
    raise AssertionError(f"no free port in COP_TEST_PORTS={os.environ['COP_TEST_PORTS']}")


def _wait(check, process: subprocess.Popen, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if process.poll() is not None:
            raise AssertionError(f"{what} exited: {process.stdout.read().decode()}")
        assert time.monotonic() < deadline, f"{what} did not answer within {timeout} s"
        time.sleep(0.3)


def _stop(*processes: subprocess.Popen) -> None:
    """All told to stop at once, then each waited for: a server's stop may take seconds
    (sockets kept open, its background worker's last batch), which in turn added up."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        process.stdout.close()


def stop_all(servers: list) -> None:
    """Stops the servers (CopServer, RedisServer) together."""
    _stop(*(server.process for server in servers))


class CopServer:
    """`cop run` on a free port with the given environment (COP_* settings): one worker
    unless `COP_WORKERS` says more (the tests of several workers, and of two servers
    sharing Redis, say so; each worker boots the app, and so does its cpu worker)."""

    def __init__(self, env: dict[str, str], cwd: str | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [*COP, "run", "--port", str(self.port)],
            env={**os.environ, "COP_WORKERS": "1", **env},
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        def answers() -> bool:
            with urllib.request.urlopen(f"{self.url}/login", timeout=2) as response:
                return response.status == 200

        _wait(answers, self.process, "cop run", timeout)

    def stop(self) -> None:
        _stop(self.process)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # it ended meanwhile
        return b""


def serving_workers(server: CopServer) -> list[int]:
    """gunicorn's workers: the children of `cop run`'s process that run gunicorn."""
    return [pid for pid in _children(server.process.pid) if b"gunicorn" in _cmdline(pid)]


def links(pid: int) -> set[str]:
    """What the process's file descriptors point at (`socket:[inode]`, paths)."""
    found = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                found.add(os.readlink(fd))
            except OSError:  # closed meanwhile
                continue
    except OSError:  # it ended meanwhile
        pass
    return found


def _listens(pid: int, port: int) -> bool:
    listening = {
        f"socket:[{fields[9]}]"
        for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A"  # LISTEN
    }
    return bool(listening & links(pid))


def worker_roles(server: CopServer, each: int, timeout: float = 30) -> tuple[list[int], list[int]]:
    """The page workers (they accept on the port) and the live workers (they do not, once
    they have loaded the app and closed their copy of the port), `each` of both."""
    deadline = time.monotonic() + timeout
    while True:
        workers = serving_workers(server)
        pages = [pid for pid in workers if _listens(pid, server.port)]
        if len(workers) == 2 * each and len(pages) == each:
            return pages, sorted(set(workers) - set(pages))
        assert time.monotonic() < deadline, f"workers {workers}, accepting {pages}"
        time.sleep(0.2)


class RedisServer:
    """Debian's redis-server on 127.0.0.1 and a free port, nothing kept on disk."""

    def __init__(self):
        binary = shutil.which("redis-server")
        assert binary, "redis-server is missing: apt-get install redis-server (.ci/run does)"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", ""]
            + ["--appendonly", "no", "--protected-mode", "yes"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

        def pong() -> bool:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")

        _wait(pong, self.process, "redis-server", 15)

    def stop(self) -> None:
        _stop(self.process)


class Recorder:
    """A python-socketio client on `/live` that keeps every event it receives; the items
    of a `batch` event are kept as the events they are (`batches` counts the batches).
    It signs in with an API token, or else with the cookies given (a browser's sign-in)."""

    def __init__(self, url: str, token: str | None, transports=("websocket",), cookies: str = ""):
        # A loaded machine may take more than the default 5 s to answer the handshake.
        self.client = sio.Client(reconnection=False, request_timeout=20)
        self.events: list[tuple[str, object]] = []
        self.batches = 0
        self.client.on("*", self._record, namespace=NS)
        self.client.connect(
            url,
            namespaces=[NS],
            auth={"token": token} if token else None,
            headers={"Cookie": cookies} if cookies else {},
            transports=list(transports),
            wait_timeout=10,  # a loaded machine may take more than the default second
        )

    def _record(self, event: str, data) -> None:
        if event == "batch":
            self.batches += 1
            self.events.extend((name, item) for name, item in data)
        else:
            self.events.append((event, data))

    def named(self, event: str) -> list:
        return [data for name, data in list(self.events) if name == event]

    def call(self, event: str, data: dict) -> dict:
        return self.client.call(event, data, namespace=NS, timeout=10)

    def wait_for(self, predicate, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"timed out; received {self.events[-20:]}"
            time.sleep(0.02)

    def close(self) -> None:
        self.client.disconnect()


@contextmanager
def two_servers_over_redis(env: dict, timeout: float = 90):
    """Two `cop run` processes sharing a redis-server of their own as the message queue, as
    two machines behind a balancer would; both (and Redis) stopped on leaving."""
    redis = RedisServer()
    servers = [CopServer({**env, "COP_MESSAGE_QUEUE": redis.url}) for _ in range(2)]
    try:
        for server in servers:
            server.wait_ready(timeout=timeout)
        yield servers
    finally:
        stop_all(servers)
        redis.stop()


PG_BIN = "/usr/lib/postgresql/{major}/bin"  # Debian's, per major version
# What a hot standby must have at least the primary's value of, or it refuses to replay.
STANDBY_AT_LEAST = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run as Debian's `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Standby:
    """A physical hot standby of the test database's cluster (Debian's PostgreSQL on
    this machine, read through its Unix socket as the `postgres` user, who may replicate
    by Debian's default pg_hba.conf): `pg_basebackup -R` into a folder of its own, started
    with pg_ctl on a free port; `url` is the test database on it. Only read from the
    primary: nothing there is changed."""

    def __init__(self, primary_url: str):
        from sqlalchemy import create_engine, make_url, text

        primary = make_url(primary_url)
        engine = create_engine(primary)
        with engine.connect() as conn:
            settings = {name: conn.scalar(text(f"SHOW {name}")) for name in STANDBY_AT_LEAST}
            major = int(conn.scalar(text("SHOW server_version_num"))) // 10000
        engine.dispose()
        self.bin = PG_BIN.format(major=major)
        self.port = free_port()
        self.url = primary.set(port=self.port).render_as_string(hide_password=False)
        self.folder = tempfile.mkdtemp(prefix="cop_standby_")
        self.data = os.path.join(self.folder, "data")
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        try:
            self._copy(primary.port or 5432, settings)
            self.start()
        except BaseException:
            self.remove()
            raise

    def _copy(self, primary_port: int, settings: dict) -> None:
        """The base backup and the standby's own settings. `-c fast` asks the primary for
        an immediate checkpoint, which still writes all its dirty pages: on a machine
        busy with other databases' writes, that may take minutes."""
        subprocess.run(
            _as_postgres(
                [f"{self.bin}/pg_basebackup", "-h", "/var/run/postgresql", "-p", str(primary_port)]
                + ["-D", self.data, "-R", "-X", "stream", "-c", "fast"]
            ),
            check=True,
            capture_output=True,
            timeout=600,
        )
        conf = {
            **settings,
            "port": self.port,
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.folder}'",
            "hot_standby": "on",
        }
        self._write("postgresql.conf", "".join(f"{k} = {v}\n" for k, v in conf.items()))
        self._write("pg_hba.conf", "local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n")
        self._write("pg_ident.conf", "")

    def _write(self, name: str, content: str) -> None:
        subprocess.run(
            _as_postgres(["tee", os.path.join(self.data, name)]),
            input=content.encode(),
            check=True,
            capture_output=True,
        )

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "-w", "-t", "60", *args]),
            check=True,
            capture_output=True,
            timeout=90,
        )

    def start(self) -> None:
        self._pg_ctl("-l", os.path.join(self.folder, "log"), "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def sql(self, statement: str) -> str:
        """A statement as the standby's superuser (pausing replay needs one)."""
        done = subprocess.run(
            _as_postgres(["psql", "-h", self.folder, "-p", str(self.port), "-d", "postgres"])
            + ["-Atc", statement],
            check=True,
            capture_output=True,
            timeout=30,
        )
        return done.stdout.decode().strip()

    def pause(self) -> None:
        self.sql("SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        self.sql("SELECT pg_wal_replay_resume()")

    def log(self) -> str:
        with open(os.path.join(self.folder, "log"), errors="replace") as f:
            return f.read()[-3000:]

    def catch_up(self, primary_engine, timeout: float = 60) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        from sqlalchemy import text

        with primary_engine.connect() as conn:
            lsn = conn.scalar(text("SELECT pg_current_wal_lsn()"))
        deadline = time.monotonic() + timeout
        check = f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn"
        while self.sql(check) != "t":
            assert time.monotonic() < deadline, f"the standby did not reach {lsn}:\n{self.log()}"
            time.sleep(0.1)

    def remove(self) -> None:
        """Stopped (if it runs) and deleted."""
        subprocess.run(
            _as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=90,
        )
        shutil.rmtree(self.folder, ignore_errors=True)
