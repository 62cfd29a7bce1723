"""PostgreSQL's connections in the pool are checked only when they were idle for a while
(cop/db.py, `ping_when_idle`): one the server ended meanwhile (a restart, an idle
timeout, an administrator's pg_terminate_backend) is replaced before anyone uses it,
while one in use a moment ago goes without the extra round trip. A real fault: the
server ends the pool's connection."""

import time

import psycopg
from sqlalchemy import text

from cop import db as cop_db
from cop.extensions import db
from tests.conftest import DATABASE_URL

if DATABASE_URL:  # SQLite's connections are files: nothing ends them

    def _pooled_backend(app) -> int:
        """The server process of the connection the next request will use."""
        with app.app_context():
            pid = db.session.scalar(text("SELECT pg_backend_pid()"))
            db.session.remove()
            assert db.engine.pool.checkedin() == 1  # the only one: the next checkout gets it
        return pid

    def _end(pid: int) -> None:
        url = DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]

    def test_a_connection_ended_while_idle_is_replaced_before_the_request_uses_it(app, client, h):
        pid = _pooled_backend(app)
        time.sleep(cop_db.IDLE_PING_SECONDS + 0.1)
        _end(pid)
        assert client.get("/api/v1/me", headers=h["member"]).status_code == 200

    def test_a_connection_ended_just_after_use_costs_at_most_one_503(app, client, h):
        pid = _pooled_backend(app)
        _end(pid)
        first = client.get("/api/v1/me", headers=h["member"])
        assert first.status_code == 200 or (
            first.status_code == 503 and first.headers["Retry-After"] == "5"
        )
        assert client.get("/api/v1/me", headers=h["member"]).status_code == 200
