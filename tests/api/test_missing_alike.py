"""Issue 16, side channels: a 404 for something that exists but is not yours does the same
work as one for an id that does not exist, on the API, the pages and file downloads: the
same SQL statements, one for one (the permission condition is in the query that fetches
it). Its time: bench/security/timing_404.py."""

import pytest

from cop.extensions import db
from tests import files
from tests.api.test_attachments import attached, start
from tests.conftest import QueryCounter
from tests.files import download

MISSING = 987_654


@pytest.fixture
def private(app, client, world, h):
    """A post of the expert room and its file, which the member may not read."""
    discussion, post = start(client, h["expert"], world.spaces["expert_room"])
    [file] = attached(client, h["expert"], post, (files.png(), "plan.png"))
    return {"discussion": discussion, "post": post, "attachment": file["id"]}


PATHS = {
    "api post": "/api/v1/posts/{post}",
    "api discussion": "/api/v1/discussions/{discussion}",
    "api posts": "/api/v1/discussions/{discussion}/posts",
    "page discussion": "/discussions/{discussion}",
    "page post": "/posts/{post}",
    "file": "/attachments/{attachment}/plan.png",
}


@pytest.mark.parametrize("path", PATHS)
def test_exists_but_not_yours_costs_what_missing_costs(app, world, h, login_as, private, path):
    member = login_as(world.users["member"])
    missing = {key: MISSING for key in private}

    def fetch(ids):
        with app.app_context():
            engine = db.engine
        with QueryCounter(engine) as queries:
            response = download(member, PATHS[path].format(**ids))
        return response.status_code, queries.statements

    fetch(missing)  # from here the bell's count is kept (cop/person_cache.py) for both
    status, work = fetch(private)
    assert status == 404
    assert fetch(missing) == (404, work)
