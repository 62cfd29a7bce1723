"""`cop run`'s heavy work (the cpu workers' renders and searches, `cop worker`'s indexing
and mail) runs below its serving workers in the kernel's scheduler (COP_NICE), so pages and
socket writes go first on busy cores; a COP_NICE the kernel cannot take is refused at
start. The heavy processes stay in the server's session: where the kernel shares the cores
between sessions first (autogroups), a nice value counts only within its session. The
processes are read from /proc (Linux)."""

import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from cop import cpu
from tests.servers import COP, free_port


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    instance = tmp_path_factory.mktemp("priorities")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COP_")}
    env["COP_INSTANCE_PATH"] = str(instance)
    subprocess.run([*COP, "init"], env=env, check=True, capture_output=True, timeout=120)
    return env


def descendants(pid: int) -> dict[int, str]:
    """Every process below `pid`, with its command line."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except OSError:  # it ended meanwhile
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, waiting = {}, list(children.get(pid, []))
    while waiting:
        child = waiting.pop()
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        found[child] = command.replace(b"\0", b" ").decode()
        waiting.extend(children.get(child, []))
    return found


def priorities(server: subprocess.Popen) -> dict[str, set[tuple[int, int]]]:
    """The nice values and sessions of the server's serving workers, cpu workers and
    `cop worker`."""
    kinds: dict[str, set[tuple[int, int]]] = {"serving": set(), "cpu": set(), "background": set()}
    for pid, command in descendants(server.pid).items():
        kind = (
            "cpu"
            if "-m cop.cpu" in command
            else "background"
            if command.endswith(" worker ")
            else "serving"
            if "gunicorn" in command
            else None
        )
        if kind:
            kinds[kind].add((os.getpriority(os.PRIO_PROCESS, pid), os.getsid(pid)))
    return kinds


def test_cop_run_serves_ahead_of_its_heavy_work(env):
    own = os.getpriority(os.PRIO_PROCESS, 0)
    lowered = min(own + cpu.NICE, 19)
    port = free_port()
    server = subprocess.Popen(
        [*COP, "run", "--port", str(port), "--workers", "1"],
        env={**env, "COP_CPU_WORKERS": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    session = os.getsid(server.pid)
    wanted = {
        "serving": {(own, session)},
        "cpu": {(lowered, session)},
        "background": {(lowered, session)},
    }
    try:
        deadline = time.monotonic() + 60
        while (seen := priorities(server)) != wanted:
            assert server.poll() is None, "cop run exited"
            assert time.monotonic() < deadline, f"after 60 s: {seen}"
            time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=30) as page:
            assert page.status == 200
    finally:
        server.terminate()
        server.wait(30)


def test_cop_run_refuses_a_priority_the_kernel_cannot_take_in_one_sentence(env):
    run = subprocess.run(
        [*COP, "run", "--port", str(free_port())],
        env={**env, "COP_NICE": "-5"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1 and run.stdout == ""
    (sentence,) = run.stderr.splitlines()
    assert "COP_NICE is a whole number from 0 to 19, not '-5'." in sentence
