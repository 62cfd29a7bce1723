"""Fixtures: a fresh app per test, on a database migrated once per session.

SQLite: each test gets its own copy of the migrated file. PostgreSQL (COP_DATABASE_URL set,
as in CI): the schema is migrated once and each test starts from truncated tables."""

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from werkzeug.security import generate_password_hash

from cop import create_app
from cop.accounts.models import Role, User
from cop.extensions import db
from cop.search.pg import table as search_tables

DATABASE_URL = os.environ.get("COP_DATABASE_URL")
# COP_TEST_SEARCH_CHECK=1: after every test, `cop search check` must find no drift.
SEARCH_CHECK = bool(os.environ.get("COP_TEST_SEARCH_CHECK"))
PASSWORD = "correct horse battery"
# Hashing with the default scrypt cost in every fixture would dominate the suite's time.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
KEEP_TABLES = {
    "alembic_version",
    "thematic_platform",
    "page_generation",
    "search_scope_generation",
}
pytest_plugins = ["tests.live_fixtures", "tests.demo_fixtures"]
# On PostgreSQL every test starts from the emptied tables of one database: only those an
# earlier test wrote to are truncated (all 48 at once took 155 ms a test), and every
# sequence of theirs starts again at 1, as in a fresh database. `{tables}`: their names.
EMPTY_TABLES = """
DO $$
DECLARE
    name text;
    found boolean;
    written text[] := '{}';
    owners oid[] := '{}';
BEGIN
    FOREACH name IN ARRAY ARRAY[{tables}]::text[] LOOP
        owners := owners || to_regclass(quote_ident(name))::oid;
        EXECUTE 'SELECT EXISTS (SELECT FROM ' || quote_ident(name) || ')' INTO found;
        IF found THEN
            written := written || quote_ident(name);
        END IF;
    END LOOP;
    IF cardinality(written) > 0 THEN
        EXECUTE 'TRUNCATE ' || array_to_string(written, ', ') || ' CASCADE';
    END IF;
    PERFORM setval(d.objid::regclass, 1, false)
    FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    WHERE d.classid = 'pg_class'::regclass AND d.refobjid = ANY (owners);
END $$
"""


def _config(instance, uri, **extra) -> dict:
    return {
        "TESTING": True,
        "INSTANCE_PATH": instance,
        "SQLALCHEMY_DATABASE_URI": uri,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "COP_BASE_URL": "http://cop.test",
        "COP_SMTP_URL": None,
        "COP_LIVE_BROADCAST_WINDOW": 0,  # live vote counts go out at once, for tests to read
        # A token's last use is written before its request goes on, not a second later
        # from a task that would outlive the test's database (tests/unit/test_token_use.py
        # tests the gap).
        "COP_TOKEN_USE_GAP": 0,
        **extra,
    }


@pytest.fixture(scope="session")
def migrated(tmp_path_factory):
    from cop.cli import init_database

    instance = tmp_path_factory.mktemp("template")
    uri = DATABASE_URL or f"sqlite:///{instance / 'cop.sqlite'}"
    app = create_app(_config(instance, uri))
    with app.app_context():
        if DATABASE_URL:
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        init_database()
    dispose(app)
    if not DATABASE_URL:
        yield instance / "cop.sqlite"
        return
    # Tests truncate the test database; copies start from this untouched one.
    with _created(_named("migrated"), template=DATABASE_URL):
        yield instance / "cop.sqlite"


def _named(suffix: str) -> str:
    """The PostgreSQL database `<the test database>_<suffix>`, on the same server."""
    url = make_url(DATABASE_URL)
    return url.set(database=f"{url.database}_{suffix}").render_as_string(hide_password=False)


@contextmanager
def _created(uri: str, template: str) -> Iterator[str]:
    """PostgreSQL: the database of `uri`, a copy of `template`'s, dropped afterwards."""
    server = create_engine(make_url(uri).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name, source = make_url(uri).database, make_url(template).database
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
        yield uri
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        server.dispose()


@pytest.fixture(scope="session")
def database_copy(migrated):
    """`database_copy(instance, name, source=None)`: a database of its own for one app,
    copied from the migrated one or from `source` (the URI of an earlier copy), so that
    costly data is made once and each test writes to its own copy. SQLite: the file
    `instance/cop.sqlite`. PostgreSQL: `<the test database>_<name>`, dropped afterwards."""

    @contextmanager
    def copy(instance: Path, name: str, source: str | None = None) -> Iterator[str]:
        if DATABASE_URL:
            with _created(_named(name), template=source or _named("migrated")) as uri:
                yield uri
            return
        target = instance / "cop.sqlite"
        shutil.copy(make_url(source).database if source else migrated, target)
        yield f"sqlite:///{target}"

    return copy


def copy_instance(source, target) -> None:
    """An instance folder's files (attachments, search index) into `target`, all but its
    SQLite database, which `database_copy` copies."""
    shutil.copytree(
        source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("cop.sqlite*")
    )


def dispose(app) -> None:
    """Closes the app's database connections (its replica's too, when it has one)."""
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def app_config():
    """Override in a test module to change settings."""
    return {}


# The search backends a test marked with `both_backends` runs against: the PostgreSQL one
# needs PostgreSQL, so a SQLite run tests Whoosh only.
SEARCH_BACKENDS = ("whoosh", "postgres") if DATABASE_URL else ("whoosh",)
both_backends = pytest.mark.both_backends


def pytest_configure(config):
    config.addinivalue_line("markers", "both_backends: run with each search backend")
    config.addinivalue_line("markers", "postgresql: tests PostgreSQL itself; its pass only")
    config.addinivalue_line("markers", "sqlite: tests SQLite itself; its pass only")


def _sqlite_only(item) -> bool:
    """Marked, or on a SQLite site of its own (tests/faults' `sqlite_template`) whatever
    COP_DATABASE_URL says: it would run the same in both passes."""
    return bool(item.get_closest_marker("sqlite")) or "sqlite_template" in item.fixturenames


def pytest_collection_modifyitems(config, items):
    """Each pass leaves out what tests the other database itself: the SQLite pass what
    tests PostgreSQL (CI's PostgreSQL pass runs it), the PostgreSQL pass what tests SQLite
    alone (the README's command runs it)."""
    other = _sqlite_only if DATABASE_URL else lambda item: item.get_closest_marker("postgresql")
    left_out = [item for item in items if other(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not other(item)]


def pytest_generate_tests(metafunc):
    """A test marked both_backends whose app is made runs once per backend."""
    marked = metafunc.definition.get_closest_marker("both_backends")
    if marked and "search_backend" in metafunc.fixturenames:
        metafunc.parametrize("search_backend", SEARCH_BACKENDS, indirect=True)


@pytest.fixture
def search_backend(request) -> str:
    """COP_SEARCH_BACKEND for the test's app: whoosh, unless parametrized (both_backends)."""
    return getattr(request, "param", "whoosh")


@pytest.fixture
def app(tmp_path, migrated, app_config, search_backend):
    if DATABASE_URL:
        uri = DATABASE_URL
    else:
        shutil.copy(migrated, tmp_path / "cop.sqlite")
        uri = f"sqlite:///{tmp_path / 'cop.sqlite'}"
    app = create_app(_config(tmp_path, uri, COP_SEARCH_BACKEND=search_backend, **app_config))
    if DATABASE_URL:
        with app.app_context():
            tables = [t.name for t in db.metadata.sorted_tables if t.name not in KEEP_TABLES]
            next_table = search_tables.next_documents
            db.session.execute(text(f"DROP TABLE IF EXISTS {next_table.name}"))
            tables += [t.name for t in search_tables.metadata.sorted_tables if t is not next_table]
            names = ", ".join(f"'{name}'" for name in tables)
            db.session.execute(text(EMPTY_TABLES.replace("{tables}", names)))
            db.session.commit()
    yield app
    close(app)


def close(app) -> None:
    """After a test: the search check (COP_TEST_SEARCH_CHECK), then the app's connections."""
    if SEARCH_CHECK:
        from cop.search import backend

        with app.app_context():
            drift = backend.current().check()
            assert not drift, f"the search index drifted from the database: {drift}"
    dispose(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def make_user(app):
    counter = iter(range(1, 10_000))

    def make(role: Role = Role.MEMBER, **fields) -> User:
        with app.app_context():
            n = next(counter)
            user = User(
                email=fields.pop("email", f"{role.value}{n}@example.org"),
                display_name=fields.pop("display_name", f"{role.value.title()} {n}"),
                role=role,
                password_hash=PASSWORD_HASH,
                **fields,
            )
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make


def without_csrf(page: str) -> str:
    """CSRF tokens carry a timestamp, script nonces are new in every answer: two pages a
    second apart differ only there."""
    page = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', page)
    return re.sub(r'( nonce=")[^"]*"', r'\1"', page)


def login(client, user_or_email, password=PASSWORD):
    email = getattr(user_or_email, "email", user_or_email)
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def login_as(app):
    """A new test client signed in as the given user."""

    def sign_in(user):
        client = app.test_client()
        response = login(client, user)
        assert response.status_code == 302, response.data
        return client

    return sign_in


def bearer(app, user) -> dict:
    from cop.accounts.service import create_token

    with app.app_context():
        _token, raw = create_token(db.session.get(User, user.id), "test")
    return {"Authorization": f"Bearer {raw}"}


class QueryCounter:
    """Counts the SQL statements run inside a `with` block."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, _conn, _cursor, statement, *_args):
        self.statements.append(statement)

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._record)

    def __len__(self) -> int:
        return len(self.statements)


@pytest.fixture
def add_forums(app):
    """Adds n signed-in forums; returns the engine, for counting queries afterwards."""
    from cop.spaces.models import Space, SpaceKind, Visibility

    def add(n: int):
        with app.app_context():
            db.session.add_all(
                Space(
                    kind=SpaceKind.FORUM,
                    visibility=Visibility.SIGNED_IN,
                    title=f"Форум {i}",
                    description="",
                )
                for i in range(n)
            )
            db.session.commit()
            return db.engine

    return add


@pytest.fixture
def world(app, make_user):
    """Two communities, their committees and expert groups, one space of every kind."""
    from tests.world import build_world

    with app.app_context():
        return build_world(make_user)


@pytest.fixture
def h(app, world):
    """Bearer headers for each person of the world."""
    return {name: bearer(app, user) for name, user in world.users.items()}
