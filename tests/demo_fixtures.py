"""The demo (`cop demo`), loaded once per test session: the demo page tests and the
browser's walk through the spaces each start from a copy of it."""

import pytest

from cop import create_app
from tests.conftest import _config, close, copy_instance, dispose


@pytest.fixture(scope="session")
def loaded_demo(tmp_path_factory, database_copy):
    """The demo's instance folder and database, loaded once (ten seconds and more)."""
    instance = tmp_path_factory.mktemp("demo")
    with database_copy(instance, "demo") as uri:
        app = create_app(_config(instance, uri))
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        dispose(app)
        yield instance, uri


@pytest.fixture
def demo(loaded_demo, database_copy, tmp_path, app_config):
    """A fresh app on a copy of the loaded demo, its database and its instance folder
    (attachments, search index): what a test writes (sign-ins, reads) stays its own."""
    instance, uri = loaded_demo
    copy_instance(instance, tmp_path)
    with database_copy(tmp_path, "demo_copy", source=uri) as copy:
        app = create_app(_config(tmp_path, copy, **app_config))
        yield app
        close(app)
