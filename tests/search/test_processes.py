"""Two server processes write at once; their background indexers share the index. Nothing
is lost, both find everything soon, and killing an indexer mid-way leaves no drift."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.search import indexer
from tests.conftest import bearer

POSTS_PER_SERVER = 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(app) -> dict:
    return {
        **os.environ,
        "COP_INSTANCE_PATH": str(app.instance_path),
        "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COP_SECRET_KEY": "test-secret",
        "COP_SEARCH_INTERVAL_MS": "50",
        "COP_WORKERS": "1",  # two servers of one worker each: what matters is their indexers
        "COP_SEARCH_LIMIT": "1000 per 10 seconds",  # the tests poll the search every 50 ms
    }


def cop(*args) -> list[str]:
    return [sys.executable, "-c", "from cop.cli import main; main()", *args]


def fetch(url: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def wait_until(condition, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_two_servers_writing_lose_nothing_and_find_everything(app, world):
    headers = bearer(app, world.users["member"])
    forum = world.spaces["forum_public"]
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            cop("run", "--port", str(port)),
            env=environment(app),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        urls = [f"http://127.0.0.1:{port}/api/v1" for port in ports]

        def up(url):
            try:
                return fetch(f"{url}/openapi.json")[0] == 200
            except OSError:
                return False

        assert wait_until(lambda: all(up(u) for u in urls))

        def write(args):
            url, n = args
            status, _ = fetch(
                f"{url}/spaces/{forum}/discussions",
                {"title": f"Тема {n}", "body": f"ялиця слово{n}"},
                headers,
            )
            return status

        jobs = [(url, f"{i}{j}") for i, url in enumerate(urls) for j in range(POSTS_PER_SERVER)]
        with ThreadPoolExecutor(4) as pool:
            assert set(pool.map(write, jobs)) == {201}

        def found(url):
            query = urllib.parse.urlencode({"q": "ялиця"})
            return fetch(f"{url}/search?{query}")[1].get("total") == len(jobs)

        assert wait_until(lambda: all(found(u) for u in urls), 10)
    finally:
        for server in servers:
            server.send_signal(signal.SIGINT)
        for server in servers:
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    with app.app_context():
        assert not indexer.check()


def test_an_indexer_killed_mid_way_leaves_no_drift(app, world):
    with app.app_context():
        for n in range(60):
            d = Discussion(space_id=world.spaces["forum_public"], author_id=1, title=f"Т {n}")
            db.session.add(d)
            db.session.flush()
            db.session.add_all(
                Post(discussion_id=d.id, author_id=1, body=f"клен {n} {m}", body_html="")
                for m in range(50)
            )
        db.session.commit()
    for delay in (0.5, 1.5, 3):
        job = subprocess.Popen(
            cop("search", "check"), env=environment(app), stdout=subprocess.DEVNULL
        )
        time.sleep(delay)
        job.kill()
        job.wait()
    with app.app_context():
        drift = indexer.check()
        assert not drift, drift
        assert indexer.pending() == 0
