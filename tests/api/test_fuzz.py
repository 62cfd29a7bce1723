"""Schemathesis against a served `cop run`, signed in as a member and as an admin: every
operation of /api/v1/openapi.json, valid and invalid requests, and no answer may be a
server error or differ from what the document says."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from cop import create_app
from tests.conftest import _config, bearer, copy_instance, dispose
from tests.servers import CopServer, stop_all

CHECKS = "not_a_server_error,response_schema_conformance"
EXAMPLES = 5  # per operation in the fuzzing phase: a few minutes per person
SEED = 20261205  # the same requests on every run, so a failure can be replayed


@contextmanager
def served(*apps):
    """One `cop run` per app, booted and stopped together."""
    servers = [
        CopServer(
            {
                "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "COP_INSTANCE_PATH": app.instance_path,
                "COP_SECRET_KEY": app.config["SECRET_KEY"],
            }
        )
        for app in apps
    ]
    try:
        for server in servers:
            server.wait_ready(timeout=180)  # a busy CI machine boots gunicorn slowly
        yield servers
    finally:
        stop_all(servers)


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


def test_no_server_errors_and_answers_as_documented(app, world, database_copy, tmp_path_factory):
    # The member's and the admin's runs go side by side (each waits on its server half the
    # time: on two cores both take little more than one), each on a world of its own, as
    # if alone: what the admin changes stays out of the member's run.
    dispose(app)  # PostgreSQL copies only a database nobody is connected to
    instance = tmp_path_factory.mktemp("admin")
    copy_instance(app.instance_path, instance)
    source = app.config["SQLALCHEMY_DATABASE_URI"]
    with database_copy(instance, "fuzz_admin", source=source) as uri:
        copy = create_app(_config(instance, uri))
        try:
            with served(app, copy) as (member_server, admin_server):
                signed_in = {
                    "member": (member_server, bearer(app, world.users["member"])),
                    "admin": (admin_server, bearer(copy, world.users["admin"])),
                }
                with ThreadPoolExecutor(len(signed_in)) as pool:
                    started = {
                        person: pool.submit(fuzz, server, headers, tmp_path_factory.mktemp(person))
                        for person, (server, headers) in signed_in.items()
                    }
                    runs = {person: run.result() for person, run in started.items()}
        finally:
            dispose(copy)
    for person, run in runs.items():
        assert run.returncode == 0, person + run.stdout[-20_000:] + run.stderr[-5_000:]
        assert "No issues found" in run.stdout or "passed" in run.stdout, person
