"""Redis as the limits' storage, stopped mid-run: requests keep their answers (no 500,
no 503), the limits hold per process meanwhile, the operator gets one log line, and the
shared counts are used again once Redis is back."""

import logging
import shutil
import socket
import subprocess
import time

import pytest


class UnixRedis:
    """Debian's redis-server on a unix socket in `folder`, nothing kept on disk."""

    def __init__(self, folder):
        self.path = folder / "redis.sock"
        self.url = f"redis+unix://{self.path}"
        self.process = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is missing: apt-get install redis-server (.ci/run does)"
        self.process = subprocess.Popen(
            [binary, "--port", "0", "--unixsocket", str(self.path), "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.socket(socket.AF_UNIX) as conn:
                    conn.connect(str(self.path))
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def redis(tmp_path):
    server = UnixRedis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def app_config(redis):
    return {
        "RATELIMIT_STORAGE_URI": redis.url,
        "COP_POST_LIMIT": "2 per minute",
        "COP_LOGIN_LIMIT": "3 per minute",
    }


def test_limits_hold_per_process_while_redis_is_down(app, client, world, h, redis, caplog):
    forum = world.spaces["forum_signed"]
    started = client.post(
        f"/api/v1/spaces/{forum}/discussions", headers=h["member"], json={"title": "Т", "body": "П"}
    )
    assert started.status_code == 201
    posts = f"/api/v1/discussions/{started.get_json()['id']}/posts"

    redis.stop()
    with caplog.at_level(logging.WARNING):
        answers = [client.post(posts, headers=h["member"], json={"body": "x"}) for _ in range(3)]
        assert [r.status_code for r in answers] == [201, 201, 429]
        assert int(answers[2].headers["Retry-After"]) > 0
        sign_ins = [
            client.post("/login", data={"email": "nobody@example.org", "password": "wrong"})
            for _ in range(4)
        ]
        assert [r.status_code for r in sign_ins[:3]] == [200, 200, 200]
        assert sign_ins[3].status_code == 429
    ours = [r for r in caplog.records if "rate-limit storage not answering" in r.getMessage()]
    assert len(ours) == 1

    redis.start()  # empty again: the shared count starts over
    again = [client.post(posts, headers=h["member"], json={"body": "y"}) for _ in range(3)]
    assert [r.status_code for r in again] == [201, 201, 429]
