"""The `cop` command: init, create-user, demo, run, send-mail, search, and db (Flask-Migrate's
migrations and the stored counters' check)."""

import errno
import logging
import os
import sys
from pathlib import Path

import click
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from flask_migrate.cli import db as migrate_cli

from cop import background, backup, counters, cpu
from cop.accounts.models import Role
from cop.accounts.service import create_user, send_password_resets
from cop.errors import AppError
from cop.extensions import db
from cop.notifications.delivery import deliver
from cop.search.cli import search_cli
from cop.serving import bind_error, server_command
from cop.system import SYSTEM


def _create_app(*_args, **_kwargs):
    from cop import create_app  # here: create_app imports this module

    return create_app()


@click.group(
    cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False
)
def main() -> None:
    """cop: community of practice for Ukrainian local self-government."""


def init_database() -> None:
    """Upgrade the database to the newest schema without Alembic's line per migration
    (`cop db upgrade` shows them)."""
    logging.disable(logging.INFO)
    try:
        upgrade(directory=current_app.extensions["migrate"].directory)
    finally:
        logging.disable(logging.NOTSET)


def schema_lag() -> tuple[set[str], set[str]] | None:
    """(the database's revisions, the code's) when they differ, else None."""
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(script.get_heads())
    return None if current == heads else (current, heads)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database, or upgrade it to the newest schema."""
    init_database()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.ADMIN.value,
    show_default=True,
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_user_command(email: str, display_name: str, role: str, password: str) -> None:
    """Create an account with a password (the first admin, typically)."""
    try:
        user = create_user(
            SYSTEM,
            email=email,
            display_name=display_name,
            role=Role(role),
            password=password,
            invite=False,
        )
    except AppError as error:
        raise click.ClickException(error.summary()) from None
    click.echo(f"Created {user.email} ({user.role}).")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo communities, people and spaces (all passwords: demo)."""
    # The demo data loads only for this command.
    from cop.demo import load_demo

    click.echo("Loading the demo data (this may take a minute)…")
    init_database()
    if load_demo():
        click.echo("Demo data loaded. Sign in as admin@example.org with the password demo.")
    else:
        click.echo("Demo data is already there.")


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    help="Serving processes [default: one per core when a message queue can be had].",
)
@with_appcontext
def run_command(host: str, port: int, workers: int | None) -> None:
    """Serve the app with gunicorn: gevent workers with websockets, one per core, sharing
    live events through COP_MESSAGE_QUEUE or a redis-server started for them, and one
    `cop worker` process that indexes and sends mail (docs/serving.md, cop/processes.py).
    Refuses a database whose schema is not the code's: every page would fail. Writes a
    line per request when its output is a terminal (COP_LOG_REQUESTS decides otherwise)."""
    lag = schema_lag()
    if lag is not None:
        found, wanted = (", ".join(sorted(r)) or "empty" for r in lag)
        raise click.ClickException(
            f"The database's schema is at {found}, this version of cop needs {wanted}: "
            "run `cop init` to upgrade it (back up the database first)."
        )

    try:
        cpu.nice_step()  # checked here: a cpu worker that cannot start is restarted forever
    except ValueError as error:
        raise click.ClickException(str(error)) from None

    error = bind_error(host, port)
    if error is not None and error.errno == errno.EADDRINUSE:
        raise click.ClickException(
            f"Port {port} is already in use (is cop running already?): stop that server "
            f"or choose another port, e.g. --port {port + 1}."
        )
    if error is not None:
        raise click.ClickException(
            f"cop cannot listen on {host}:{port} ({error.strerror}): "
            "choose another --host or --port."
        )

    os.environ.setdefault("COP_LOG_REQUESTS", "1" if sys.stdout.isatty() else "0")
    if workers is not None:
        os.environ["COP_WORKERS"] = str(workers)
    command = server_command(host, port)
    sys.stdout.flush()
    # This process becomes gunicorn: signals (Ctrl-C, a supervisor's TERM) reach it directly.
    os.execv(command[0], command)


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Run the background work (search indexer, mail sender, reset links) until stopped.
    `cop run` starts one itself; under gunicorn with COP_BACKGROUND=0, run it beside."""
    background.run(current_app._get_current_object())


@click.command("backup")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(archive: Path) -> None:
    """Write ARCHIVE (.tar.gz): the database (a consistent copy, taken while the site
    runs) and the attachments. The search index is rebuilt on restore."""
    try:
        done = backup.backup(archive)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up the {done.dialect} database and {done.files} attachments to {archive}.")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace an instance that is not empty.")
@with_appcontext
def restore_command(archive: Path, force: bool) -> None:
    """Replace this instance's database and attachments with ARCHIVE's (made by `cop
    backup`), bring the schema up to this version and rebuild the search index. Stop the
    site first."""
    try:
        done = backup.restore(archive, force=force)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored the database and {done.files} attachments; search index rebuilt.")


@click.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Email the notifications that are due and the password reset links asked for (run it
    every minute from cron when the app is served by something other than `cop run`)."""

    click.echo(f"Sent {deliver() + send_password_resets()} emails.")


@click.command("check")
@click.option("--repair", is_flag=True, help="Set every drifted value to what its rows say.")
@with_appcontext
def db_check_command(repair: bool) -> None:
    """Compare the stored counts and pointers (reply counts, last posts, useful and vote
    counts) with the rows they summarise; exits with 1 on drift, unless repaired."""
    drift = counters.repair() if repair else counters.check()
    for d in drift:
        click.echo(f"{d.name} of {d.row_id}: stored {d.stored}, actual {d.actual}")
    if drift and not repair:
        click.echo("Stored counters have drifted: run `cop db check --repair`.")
        sys.exit(1)
    click.echo(f"Repaired {len(drift)} values." if drift else "Every stored counter is right.")


# Flask-Migrate's `db` group with our check; Alembic's own `check` (are the models and
# the migrations in step?) stays as `check-migrations`.
db_cli = click.Group(
    "db",
    params=migrate_cli.params,
    callback=migrate_cli.callback,
    commands={
        **migrate_cli.commands,
        "check": db_check_command,
        "check-migrations": migrate_cli.commands["check"],
    },
    help="The database: migrations (Flask-Migrate), and `check` of the stored counters.",
)


def register_commands(app) -> None:
    for command in (
        init_command,
        create_user_command,
        demo_command,
        run_command,
        send_mail_command,
        worker_command,
        backup_command,
        restore_command,
        db_cli,
    ):
        app.cli.add_command(command)
    app.cli.add_command(search_cli)
