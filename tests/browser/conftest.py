"""Browser tests: the app served on loopback, driven by Debian's chromium (headless)
through Playwright. CI installs chromium (`.ci/run`); elsewhere: apt-get install chromium."""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("COP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}  # as in production: the forms carry their tokens


@pytest.fixture
def live_url(app, browser):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    # The test's pages go first: an open live page keeps its socket, and the server's
    # thread for it its database connection, past the test (on PostgreSQL the garbage
    # collector later found such a connection open and failed an unrelated test).
    for context in list(browser.contexts):
        context.close()
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian's chromium is needed at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()
