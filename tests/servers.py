"""Real server processes for tests: `cop run` (gunicorn, gevent), Debian's redis-server, and
python-socketio clients that keep what they receive."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

import socketio as sio

COP = [sys.executable, "-c", "from cop.cli import main; main()"]
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


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    process.stdout.close()


class CopServer:
    """`cop run` on a free port with the given environment (COP_* settings)."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [*COP, "run", "--port", str(self.port)],
            env={**os.environ, **env},
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
        for server in servers:
            server.stop()
        redis.stop()
