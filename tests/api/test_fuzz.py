"""Schemathesis against a served `cop run`, signed in as a member and as an admin: every
operation of /api/v1/openapi.json, valid and invalid requests, and no answer may be a
server error or differ from what the document says."""

import subprocess
import sys

import pytest

from tests.conftest import bearer
from tests.servers import CopServer

CHECKS = "not_a_server_error,response_schema_conformance"
EXAMPLES = 5  # per operation in the fuzzing phase: a few minutes per person
SEED = 20261205  # the same requests on every run, so a failure can be replayed


@pytest.fixture
def served(app, world):
    server = CopServer(
        {
            "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "COP_INSTANCE_PATH": app.instance_path,
            "COP_SECRET_KEY": app.config["SECRET_KEY"],
        }
    )
    try:
        server.wait_ready(timeout=180)  # a busy CI machine boots gunicorn slowly
        yield server
    finally:
        server.stop()


def fuzz(server: CopServer, headers: dict, workdir) -> subprocess.CompletedProcess:
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run"),
        f"{server.url}/api/v1/openapi.json",
        *("--checks", CHECKS),
        *("--phases", "coverage,fuzzing"),
        *("--max-examples", str(EXAMPLES)),
        *("--seed", str(SEED)),
        # One worker: Hypothesis reads its filters' source with `ast` while generating, and
        # CPython 3.11.7's ast is not thread-safe (gh-106905: "AST constructor recursion
        # depth mismatch" from two schemathesis worker threads).
        *("--workers", "1"),
        *("--suppress-health-check", "all"),
        *("--request-timeout", "30"),
        "--no-shrink",
        # Revoking its own token would sign the run out (tests/web/test_accounts.py tests it).
        *("--exclude-operation-id", "api_accounts_revoke_token"),
        *("--header", f"Authorization: {headers['Authorization']}"),
    ]
    # Its example database and reports go to `workdir`, not the repository.
    return subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=workdir)


@pytest.mark.parametrize("person", ["member", "admin"])
def test_no_server_errors_and_answers_as_documented(app, world, served, person, tmp_path):
    run = fuzz(served, bearer(app, world.users[person]), tmp_path)
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    assert "No issues found" in run.stdout or "passed" in run.stdout
