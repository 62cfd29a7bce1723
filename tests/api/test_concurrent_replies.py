"""Many people replying to one discussion at once, through the API of served `cop run`
processes: every acknowledged reply is stored once, and the discussion's stored counters
(reply count, last post) agree with its posts, as `cop db check` confirms."""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from cop.accounts.models import User
from cop.discussions import service
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.spaces.models import Space
from tests.conftest import bearer
from tests.servers import COP, CopServer, stop_all

# As the hardening issue measured it: 30 s of posting. 10 s already lost replies on every
# run with the old read-modify-write of the counters (PostgreSQL, and two processes over
# one SQLite file).
POSTING_SECONDS = 30


def _served_env(app) -> dict[str, str]:
    return {
        "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COP_INSTANCE_PATH": app.instance_path,
        "COP_SECRET_KEY": app.config["SECRET_KEY"],
        "COP_POST_LIMIT": "100000 per minute",  # the race, not the per-person limit
    }


def _discussion(app, world) -> int:
    with app.app_context():
        actor = db.session.get(User, world.users["member"].id)
        space = db.session.get(Space, world.spaces["forum_signed"])
        return service.start_discussion(actor, space, title="Бюджет", body="Питання").id


def _post(url: str, discussion_id: int, headers: dict, body: str) -> int | None:
    """The new post's id, or None when the server refused (a busy database's 503)."""
    request = urllib.request.Request(
        f"{url}/api/v1/discussions/{discussion_id}/posts",
        data=json.dumps({"body": body}).encode(),
        headers={**headers, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
            return json.load(response)["id"]
    except urllib.error.HTTPError as error:
        assert error.code == 503, error.read()
        return None


def _race(app, make_user, discussion_id: int, urls: list[str], clients: int) -> dict[str, int]:
    """`clients` tabs posting for POSTING_SECONDS, spread over the servers, two tabs per
    person (their first replies race to record what they have read): the bodies
    acknowledged, with their post ids."""
    people = [make_user() for _ in range(clients // 2)]
    tokens = [bearer(app, people[client % len(people)]) for client in range(clients)]
    deadline = time.monotonic() + POSTING_SECONDS

    def post_until_deadline(client: int) -> dict[str, int]:
        url, headers = urls[client % len(urls)], tokens[client]
        acknowledged, n = {}, 0
        while time.monotonic() < deadline:
            body = f"Відповідь {client}-{n}"
            n += 1
            post_id = _post(url, discussion_id, headers, body)
            if post_id is not None:
                acknowledged[body] = post_id
        return acknowledged

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(post_until_deadline, range(clients)))
    return {body: post_id for result in results for body, post_id in result.items()}


def _assert_nothing_lost_or_drifted(app, discussion_id: int, acknowledged: dict[str, int]):
    assert len(acknowledged) > 20, "too few replies went through to show anything"
    with app.app_context():
        stored = db.session.execute(
            select(Post.body, Post.id).where(
                Post.discussion_id == discussion_id, Post.parent_id.is_not(None)
            )
        ).all()
        assert sorted(stored) == sorted(acknowledged.items())  # each once, none unasked
        discussion = db.session.get(Discussion, discussion_id)
        assert discussion.reply_count == len(acknowledged)
        newest = db.session.scalar(
            select(Post.id)
            .where(Post.discussion_id == discussion_id)
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(1)
        )
        assert discussion.last_post_id == newest
    check = subprocess.run(
        [*COP, "db", "check"],
        env={**os.environ, **_served_env(app)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_twelve_people_reply_at_once_through_one_server(app, world, make_user):
    discussion_id = _discussion(app, world)
    server = CopServer(_served_env(app))
    try:
        server.wait_ready()
        acknowledged = _race(app, make_user, discussion_id, [server.url], clients=12)
    finally:
        server.stop()
    _assert_nothing_lost_or_drifted(app, discussion_id, acknowledged)


def test_eight_people_reply_at_once_through_two_servers_on_one_database(app, world, make_user):
    discussion_id = _discussion(app, world)
    servers = [CopServer(_served_env(app)) for _ in range(2)]
    try:
        for server in servers:
            server.wait_ready(timeout=90)
        acknowledged = _race(app, make_user, discussion_id, [s.url for s in servers], clients=8)
    finally:
        stop_all(servers)
    _assert_nothing_lost_or_drifted(app, discussion_id, acknowledged)
