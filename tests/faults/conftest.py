"""A migrated cop database with one admin, a forum and an API token, on SQLite or a private
PostgreSQL server, and plain HTTP calls that keep the status, headers and time taken."""

import json
import shutil
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from cop import create_app
from cop.accounts.models import Role, User
from cop.extensions import db
from cop.spaces.models import Space, SpaceKind, Visibility
from tests.conftest import PASSWORD_HASH, _config
from tests.faults.infra import PrivatePostgres


@dataclass
class Site:
    uri: str
    instance: Path
    token: str  # the admin's bearer token
    forum: int
    email: str

    def app(self, **extra):
        app = create_app(_config(self.instance, self.uri, **extra))
        _apps.append(app)
        return app

    def served_env(self) -> dict[str, str]:
        """`cop run`'s environment for this site."""
        return {
            "COP_DATABASE_URL": self.uri,
            "COP_INSTANCE_PATH": str(self.instance),
            "COP_SECRET_KEY": "test-secret",
        }


# The apps a test made with Site.app: their connections are closed after it, else the
# garbage collector finds them open later and psycopg's warning fails another test.
_apps: list = []


@pytest.fixture(autouse=True)
def _close_site_apps():
    yield
    while _apps:
        with _apps.pop().app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


def prepare(instance: Path, uri: str, migrate: bool = True) -> Site:
    from cop.accounts.service import create_token
    from cop.cli import init_database

    app = create_app(_config(instance, uri))
    with app.app_context():
        if migrate:
            init_database()
        admin = User(
            email="admin@example.org",
            display_name="Адмін",
            role=Role.ADMIN,
            password_hash=PASSWORD_HASH,
        )
        forum = Space(
            kind=SpaceKind.FORUM, visibility=Visibility.PUBLIC, title="Форум", description=""
        )
        db.session.add_all([admin, forum])
        db.session.commit()
        _token, raw = create_token(admin, "faults")
        site = Site(uri, instance, raw, forum.id, admin.email)
        db.session.remove()
        db.engine.dispose()
    return site


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, migrated once (whichever database the rest of the suite uses)."""
    from cop.cli import init_database

    instance = tmp_path_factory.mktemp("faults-template")
    app = create_app(_config(instance, f"sqlite:///{instance / 'cop.sqlite'}"))
    with app.app_context():
        init_database()
        db.session.remove()
        db.engine.dispose()
    return instance / "cop.sqlite"


def sqlite_site(instance: Path, template: Path, database: Path | None = None) -> Site:
    """A site whose SQLite file is `database` (default: in the instance folder)."""
    database = database or instance / "cop.sqlite"
    database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, database)
    return prepare(instance, f"sqlite:///{database}", migrate=False)


@pytest.fixture
def postgres():
    server = PrivatePostgres()
    try:
        yield server
    finally:
        server.remove()


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)


def call(url: str, method: str = "GET", token: str | None = None, body=None) -> Answer:
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, head, content = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, head, content = error.code, dict(error.headers), error.read()
    return Answer(status, head, content, time.monotonic() - started)


def assert_unavailable(answer: Answer) -> None:
    """The API's 503: the JSON error shape, a Retry-After, a message for people (in
    Ukrainian, the default, when the person's own language is in the unavailable database)."""
    assert answer.status == 503, answer.body[:500]
    assert int(answer.headers["Retry-After"]) > 0
    error = answer.json()["error"]
    assert error["status"] == 503
    assert "Спробуйте" in error["message"], error
