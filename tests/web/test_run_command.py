"""`cop run` really serves (a Flask CLI guard once made it return without serving)."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

COP = [sys.executable, "-c", "from cop.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_cop_run_serves_the_sign_in_page(tmp_path):
    env = {**os.environ, "COP_INSTANCE_PATH": str(tmp_path)}
    env.pop("COP_DATABASE_URL", None)
    subprocess.run([*COP, "init"], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen(
        [*COP, "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    assert r.status == 200
                    assert 'lang="uk"' in r.read().decode()
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "cop run did not answer within 30 s"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()


def test_cop_run_refuses_a_database_behind_the_code(tmp_path):
    """Every page would fail on a schema the code does not know: say what to do instead."""
    env = {**os.environ, "COP_INSTANCE_PATH": str(tmp_path)}
    env.pop("COP_DATABASE_URL", None)
    run = [*COP, "run", "--port", str(_free_port())]
    never_set_up = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
    assert never_set_up.returncode == 1
    assert "schema is at empty" in never_set_up.stderr and "cop init" in never_set_up.stderr

    subprocess.run([*COP, "init"], env=env, check=True, capture_output=True, timeout=120)
    with sqlite3.connect(tmp_path / "cop.sqlite") as database:  # as if the code was upgraded
        database.execute("UPDATE alembic_version SET version_num = '0014'")
    behind = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
    assert behind.returncode == 1
    assert "schema is at 0014" in behind.stderr and "cop init" in behind.stderr
