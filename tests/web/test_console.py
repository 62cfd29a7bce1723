"""What `cop run` says on the console: one line once it answers (with how many workers and
why), one line per request when a person watches (a terminal), one sentence when the port
is taken, nothing on Ctrl+C."""

import os
import pty
import re
import select
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from cop.processes import cores
from tests.servers import COP, CopServer, free_port

REQUEST_LINE = re.compile(r"\d\d:\d\d:\d\d (GET|POST) (\S+) (\d{3}) \d+ ms")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A set-up SQLite database in an instance folder of its own."""
    instance = tmp_path_factory.mktemp("console")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COP_")}
    env["COP_INSTANCE_PATH"] = str(instance)
    subprocess.run([*COP, "init"], env=env, check=True, capture_output=True, timeout=120)
    return env


class Terminal:
    """`cop run` with a pseudo-terminal for its output, as when started by hand."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.fd, child = pty.openpty()
        self.process = subprocess.Popen(
            [*COP, "run", *args],
            env=env,
            stdin=child,
            stdout=child,
            stderr=child,
            start_new_session=True,  # its own process group, as a terminal's job
        )
        os.close(child)
        self.output = ""

    def read(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if select.select([self.fd], [], [], left)[0]:
                try:
                    self.output += os.read(self.fd, 65536).decode()
                except OSError:  # the process closed the terminal
                    return

    def lines(self) -> list[str]:
        return [line for line in self.output.replace("\r", "").split("\n") if line]

    def ctrl_c(self) -> int:
        """What the terminal does on Ctrl+C: SIGINT to every process of the job."""
        os.killpg(self.process.pid, signal.SIGINT)
        deadline = time.monotonic() + 15
        while self.process.poll() is None and time.monotonic() < deadline:
            self.read(0.2)
        self.read(0.2)
        return self.process.poll()

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        os.close(self.fd)


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def started_line(port: int, workers: str = "") -> str:
    """This machine has redis-server (.ci/run installs it): one worker per core, sharing
    live events through it, and as many for live sockets (a machine of one core needs none)."""
    n = cores()
    if n > 1:
        default = (
            f"{n} workers and {n} for live sockets "
            "(one per core; live events shared through redis-server)"
        )
    else:
        default = "1 worker (one per core; no message queue needed)"
    workers = workers or default
    return f"cop is running at http://127.0.0.1:{port} with {workers} — Ctrl+C to stop"


def test_cop_run_in_a_terminal_says_where_it_answers_and_logs_each_request(env):
    port = free_port()
    terminal = Terminal(["--port", str(port)], env)
    try:
        started = started_line(port)
        deadline = time.monotonic() + 60
        while started not in terminal.output:
            assert terminal.process.poll() is None, terminal.output
            assert time.monotonic() < deadline, f"no start-up line in 60 s: {terminal.output}"
            terminal.read(0.3)
        assert _get(f"http://127.0.0.1:{port}/login") == 200
        assert _get(f"http://127.0.0.1:{port}/no-such-page") == 404
        terminal.read(1)

        first, *requests = terminal.lines()
        assert first == started
        logged = [REQUEST_LINE.fullmatch(line) for line in requests]
        assert all(logged), requests  # nothing but request lines: no gunicorn notices
        assert [m.groups() for m in logged] == [
            ("GET", "/login", "200"),
            ("GET", "/no-such-page", "404"),
        ]

        assert terminal.ctrl_c() == 0
        assert terminal.lines() == [first, *requests], "Ctrl+C should stop cop quietly"
    finally:
        terminal.close()


def _served_output(args: list[str], env: dict) -> str:
    """What `cop run ARGS` printed, from start until it answered and was stopped by Ctrl+C."""
    port = args[args.index("--port") + 1]
    server = subprocess.Popen(
        [*COP, "run", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert _get(f"http://127.0.0.1:{port}/login") == 200
                break
            except OSError:
                assert server.poll() is None, server.communicate()[0]
                assert time.monotonic() < deadline, "cop run did not answer within 60 s"
                time.sleep(0.3)
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=15)[0]
    return output


def test_cop_run_without_a_terminal_logs_no_requests(env):
    """Under a supervisor or a pipe (COP_LOG_REQUESTS=1 asks for them there)."""
    port = free_port()
    output = _served_output(["--port", str(port)], env)
    assert output.splitlines() == [started_line(port)]


def test_cop_run_on_a_taken_port_says_so_in_one_sentence(env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [*COP, "run", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 1 and run.stdout == ""
    (sentence,) = run.stderr.splitlines()
    assert f"Port {port} is already in use" in sentence and f"--port {port + 1}" in sentence


def test_cop_run_on_an_address_not_of_this_machine_says_so_in_one_sentence(env):
    run = subprocess.run(
        [*COP, "run", "--host", "192.0.2.1", "--port", str(free_port())],  # TEST-NET-1
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1 and run.stdout == ""
    (sentence,) = run.stderr.splitlines()
    assert "cannot listen on 192.0.2.1" in sentence and "--host" in sentence


def test_cop_run_without_a_message_queue_serves_with_one_worker_and_says_why(env):
    """Two asked for, but no COP_MESSAGE_QUEUE and no redis-server on the PATH: several
    workers could not share live events."""
    port = free_port()
    output = _served_output(
        ["--port", str(port), "--workers", "2"], {**env, "PATH": "/nonexistent"}
    )
    one = (
        "1 worker (one only: several would need a message queue to share live events and "
        "there is none; set COP_MESSAGE_QUEUE or install redis-server, docs/serving.md)"
    )
    assert output.splitlines() == [started_line(port, one)]


def test_cop_run_serves_its_own_code_in_a_folder_holding_another_cop(env, tmp_path):
    # gunicorn puts its working folder first on the module path: started in a checkout of
    # another version, `cop run` served that version's code.
    (tmp_path / "cop").mkdir()
    (tmp_path / "cop" / "__init__.py").write_text("raise ImportError('another cop')\n")
    server = CopServer({"COP_INSTANCE_PATH": env["COP_INSTANCE_PATH"]}, cwd=str(tmp_path))
    try:
        server.wait_ready()
        with urllib.request.urlopen(f"{server.url}/login", timeout=10) as response:
            assert response.status == 200
    finally:
        server.stop()
