"""The `cop` command: init, create-user, demo, run, send-mail, search (and Flask-Migrate's
`db`)."""

import os
import sys

import click
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from cop.accounts.models import Role
from cop.extensions import db
from cop.notifications.delivery import deliver


def _create_app(*_args, **_kwargs):
    from cop import create_app

    return create_app()


@click.group(
    cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False
)
def main() -> None:
    """cop: community of practice for Ukrainian local self-government."""


def init_database() -> None:
    upgrade(directory=current_app.extensions["migrate"].directory)


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
    click.echo(f"Database ready: {current_app.config['SQLALCHEMY_DATABASE_URI']}")


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
    from cop.accounts.service import create_user
    from cop.errors import AppError
    from cop.system import SYSTEM

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
    from cop.demo import load_demo
    from cop.demo_consultations import load_consultation_demo
    from cop.demo_forum import load_forum_demo

    init_database()
    if load_demo():
        load_forum_demo()
        load_consultation_demo()
        click.echo("Demo data loaded. Sign in as admin@example.org with the password demo.")
    else:
        click.echo("Demo data is already there.")


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def run_command(host: str, port: int) -> None:
    """Serve the app with gunicorn (one gevent worker, websockets; docs/serving.md), which
    also sends due emails and runs the other background workers (cop/background.py).
    Refuses a database whose schema is not the code's: every page would fail."""
    from cop.serving import server_command

    lag = schema_lag()
    if lag is not None:
        found, wanted = (", ".join(sorted(r)) or "empty" for r in lag)
        raise click.ClickException(
            f"The database's schema is at {found}, this version of cop needs {wanted}: "
            "run `cop init` to upgrade it (back up the database first)."
        )

    command = server_command(host, port)
    click.echo(f"Serving on http://{host}:{port}: {' '.join(command[1:])}")
    sys.stdout.flush()
    # This process becomes gunicorn: signals (Ctrl-C, a supervisor's TERM) reach it directly.
    os.execv(command[0], command)


@click.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Email the notifications that are due and the password reset links asked for (run it
    every minute from cron when the app is served by something other than `cop run`)."""
    from cop.accounts.service import send_password_resets

    click.echo(f"Sent {deliver() + send_password_resets()} emails.")


def register_commands(app) -> None:
    for command in (
        init_command,
        create_user_command,
        demo_command,
        run_command,
        send_mail_command,
    ):
        app.cli.add_command(command)
    from cop.search.cli import search_cli

    app.cli.add_command(search_cli)
