"""`cop run` really serves (a Flask CLI guard once made it return without serving)."""

import os
import socket
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
