"""Serving settings: the async mode must fit the process, the Redis queue gets a large pool,
and PostgreSQL waits cooperatively under gevent."""

import subprocess
import sys

import pytest
import socketio as python_socketio

from cop import create_app
from cop.serving import check_async_mode, client_manager
from tests.conftest import DATABASE_URL


def test_an_unknown_async_mode_is_refused():
    with pytest.raises(RuntimeError, match="COP_ASYNC_MODE must be one of threading, gevent"):
        check_async_mode("eventlet")


def test_gevent_mode_is_refused_without_gevents_patching(app):
    # This test process is not monkey-patched: the gevent mode would block on every socket.
    with pytest.raises(RuntimeError, match="cop run"):
        create_app({**app.config, "COP_ASYNC_MODE": "gevent"})


def test_a_redis_queue_gets_a_large_connection_pool(app):
    app.config.update(COP_MESSAGE_QUEUE="redis://127.0.0.1:1/0", COP_MESSAGE_QUEUE_POOL=5000)
    manager = client_manager(app)
    assert isinstance(manager, python_socketio.RedisManager)
    assert manager.redis_options == {"max_connections": 5000}
    app.config["COP_MESSAGE_QUEUE"] = None
    assert client_manager(app) is None


GEVENT_QUERIES = """
from gevent import monkey; monkey.patch_all()
import sys, time, gevent, psycopg
def sleep():
    with psycopg.connect(sys.argv[1]) as connection:
        connection.execute("SELECT pg_sleep(0.5)")
start = time.monotonic()
gevent.joinall([gevent.spawn(sleep) for _ in range(4)], raise_error=True)
print(round(time.monotonic() - start, 2))
"""


@pytest.mark.postgresql
def test_postgresql_queries_do_not_block_other_greenlets():
    url = DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
    result = subprocess.run(
        [sys.executable, "-c", GEVENT_QUERIES, url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    # Four half-second queries side by side, not one after another (2 s).
    assert float(result.stdout) < 1.5
