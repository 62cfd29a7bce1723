"""Socket tests: Flask-SocketIO's test client on the `/live` namespace, signed in through a
Flask test client (its session cookie) or an API token. Fixtures: tests/live_fixtures.py."""

from tests.live_fixtures import NS


def events(client, name: str) -> list:
    return [e["args"][0] for e in client.get_received(NS) if e["name"] == name]


def received(client) -> list[tuple[str, dict]]:
    return [(e["name"], e["args"][0]) for e in client.get_received(NS)]


def join(client, session_id: int) -> dict:
    client.emit("join", {"session_id": session_id}, namespace=NS)
    states = events(client, "state")
    assert len(states) == 1, states
    return states[0]
