"""Socket tests: Flask-SocketIO's test client on the `/live` namespace, signed in through a
Flask test client (its session cookie) or an API token. Fixtures: tests/live_fixtures.py."""

import pytest

from tests.live_fixtures import NS


@pytest.fixture
def served_env(app):
    """`cop run`'s environment: this test's database and secret, generous rate limits."""
    return {
        "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COP_INSTANCE_PATH": app.instance_path,
        "COP_SECRET_KEY": app.config["SECRET_KEY"],
        "COP_LIVE_ASK_LIMIT": "1000 per minute",
        "COP_LIVE_VOTE_LIMIT": "1000 per minute",
        "COP_LIVE_BROADCAST_WINDOW": "0.1",
    }


def events(client, name: str) -> list:
    return [e["args"][0] for e in client.get_received(NS) if e["name"] == name]


def received(client) -> list[tuple[str, dict]]:
    return [(e["name"], e["args"][0]) for e in client.get_received(NS)]


def join(client, session_id: int) -> dict:
    client.emit("join", {"session_id": session_id}, namespace=NS)
    states = events(client, "state")
    assert len(states) == 1, states
    return states[0]
