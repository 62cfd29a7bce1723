"""PostgreSQL's pooled connections are checked before use (`pool_pre_ping`): one the
server ended while it sat in the pool (a restart, an idle timeout, an administrator's
pg_terminate_backend) is replaced before the request uses it. A real fault: the server
ends the pool's connection."""

import psycopg
from sqlalchemy import text

from cop.extensions import db
from tests.conftest import DATABASE_URL

if DATABASE_URL:  # SQLite's connections are files: nothing ends them

    def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(app, client, h):
        with app.app_context():
            pid = db.session.scalar(text("SELECT pg_backend_pid()"))
            db.session.remove()
            assert db.engine.pool.checkedin() == 1  # the only one: the next checkout gets it
        url = DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        assert client.get("/api/v1/me", headers=h["member"]).status_code == 200
