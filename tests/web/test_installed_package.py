"""cop as `pip install` gives it: the sdist and the wheel built from it carry the templates,
static files, migrations and catalogs, and the wheel, installed (not editable) into a fresh
virtual environment, loads the demo, sets up and serves from an empty folder."""

import os
import site
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

from cop.config import ROOT
from tests.servers import free_port

IN_THE_SDIST = {
    "templates/base.html",
    "templates/accounts/login.html",
    "static/css/cop.css",
    "static/vendor/socket.io-client/socket.io.min.js",
    "migrations/env.py",
    "migrations/alembic.ini",
    "migrations/versions/0001_accounts_organisations_spaces.py",
    "cop/translations/uk/LC_MESSAGES/messages.mo",
}


def _run(command: list, **kwargs) -> str:
    """All the command wrote (standard output and error); it must succeed."""
    done = subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600, **kwargs
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}"
    return done.stdout


def _fresh_venv(path: Path) -> Path:
    """A virtual environment whose own site-packages will hold cop from the wheel; the
    dependencies come from this interpreter's site-packages (a .pth line each: the
    editable install's own .pth files there are not read, so its cop stays out)."""
    _run([sys.executable, "-m", "venv", "--without-pip", path])
    python = path / "bin" / "python"
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    Path(purelib.strip(), "dependencies.pth").write_text("\n".join(site.getsitepackages()))
    return python


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode()


def _wait_for(url: str, server: subprocess.Popen) -> tuple[int, str]:
    deadline = time.monotonic() + 60
    while True:
        try:
            return _get(url)
        except OSError:
            assert server.poll() is None, server.communicate()[0]
            assert time.monotonic() < deadline, "cop run did not answer within 60 s"
            time.sleep(0.3)


def test_the_wheel_installed_in_a_fresh_venv_serves_the_demo(tmp_path):
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--outdir", dist, ROOT])  # sdist, then wheel from it
    (sdist,) = dist.glob("cop-*.tar.gz")
    (wheel,) = dist.glob("cop-*.whl")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert names >= IN_THE_SDIST

    python = _fresh_venv(tmp_path / "venv")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel])
    site_dir = tmp_path / "venv" / "lib"
    cop_file = _run([python, "-c", "import cop; print(cop.__file__)"], cwd=tmp_path).strip()
    assert Path(cop_file).is_relative_to(site_dir)

    empty = tmp_path / "empty"
    empty.mkdir()
    cop = str(tmp_path / "venv" / "bin" / "cop")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("COP_")}
    # The README's order: `cop demo` creates the database (one line of progress, one of the
    # result, without Alembic's line per migration); `cop init` then finds it up to date.
    loading, loaded = _run([cop, "demo"], cwd=empty, env=env).splitlines()
    assert loading.startswith("Loading the demo data") and loaded.startswith("Demo data loaded")
    assert (empty / "instance" / "cop.sqlite").is_file()
    (ready,) = _run([cop, "init"], cwd=empty, env=env).splitlines()
    assert ready.startswith("Database ready: sqlite:///")

    port = free_port()
    server = subprocess.Popen(
        [cop, "run", "--port", str(port)],
        cwd=empty,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status, page = _wait_for(f"http://127.0.0.1:{port}/login", server)
        assert status == 200 and 'lang="uk"' in page and "/static/css/cop.css" in page
        assert _get(f"http://127.0.0.1:{port}/static/css/cop.css")[0] == 200
    finally:
        server.terminate()
        server.communicate(timeout=15)
