"""A change to a whole space (its thematic platform: every post's document changes) is
indexed by the background worker process (`cop worker`) in small batches, each committed
as it goes, never by a search request."""

import os
import subprocess
import sys
import time

from cop.accounts.models import User
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.search import index, indexer, querying
from cop.spaces.models import Space

DISCUSSIONS, POSTS = 40, 50  # 2,000 posts: four batches of at most 500 documents


def _big_forum(app, world, discussions: int = DISCUSSIONS) -> int:
    space_id = world.spaces["forum_public"]
    with app.app_context():
        for n in range(discussions):
            d = Discussion(space_id=space_id, author_id=1, title=f"Тема {n}")
            db.session.add(d)
            db.session.flush()
            db.session.add_all(
                Post(discussion_id=d.id, author_id=1, body=f"ясен {n} {m}", body_html="")
                for m in range(POSTS)
            )
        db.session.commit()
        indexer.drain()
    return space_id


def _move_to_platform(app, space_id: int, platform_id: int) -> None:
    with app.app_context():
        db.session.get(Space, space_id).platform_id = platform_id
        db.session.commit()


def _on_platform(app, platform_id: int) -> int:
    with app.app_context():
        return len(list(index.searcher().document_numbers(platform=str(platform_id))))


def test_a_search_request_leaves_a_whole_space_to_the_background(app, world):
    space_id = _big_forum(app, world, 5)  # 250 posts: more than a request indexes
    _move_to_platform(app, space_id, 3)
    with app.app_context():
        user = db.session.get(User, world.users["member"].id)
        querying.search(user, "ясен")
        assert indexer.pending() == 1, "the request took on the whole space"
    assert _on_platform(app, 3) == 0


def test_the_worker_process_indexes_a_whole_space_in_committed_batches(app, world):
    space_id = _big_forum(app, world)
    posts = DISCUSSIONS * POSTS
    _move_to_platform(app, space_id, 5)
    env = {
        **os.environ,
        "COP_INSTANCE_PATH": str(app.instance_path),
        "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COP_SECRET_KEY": "test-secret",
        "COP_SEARCH_INTERVAL_MS": "50",
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", "from cop.cli import main; main()", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    seen: list[tuple[int, int]] = []  # (rows waiting, documents on the new platform)
    try:
        deadline = time.monotonic() + 120
        while not seen or seen[-1] != (0, posts):
            assert worker.poll() is None, worker.stdout.read().decode()
            assert time.monotonic() < deadline, f"not done in 120 s: {seen[-5:]}"
            with app.app_context():
                state = (indexer.pending(), _on_platform(app, 5))
            if not seen or seen[-1] != state:
                seen.append(state)
            time.sleep(0.01)
    finally:
        worker.terminate()
        worker.wait(15)
        worker.stdout.close()
    assert worker.returncode == 0
    # The space's row became one row per post ...
    assert max(waiting for waiting, _ in seen) >= posts
    # ... indexed a batch at a time, each committed before the next began: the index
    # grew in steps, and never by more than a batch.
    indexed = sorted({done for _, done in seen})
    assert len([done for done in indexed if 0 < done < posts]) >= 2, seen
    assert all(b - a <= indexer.DOCUMENTS for a, b in zip(indexed, indexed[1:], strict=False))
    with app.app_context():
        assert not indexer.check()
