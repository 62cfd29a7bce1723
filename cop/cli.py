"""The `cop` command: init, create-user, demo, run, send-mail, search (and Flask-Migrate's
`db`)."""

import os
import threading

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from cop.accounts.models import Role
from cop.notifications.delivery import deliver, run_forever


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
        raise click.ClickException(" ".join(error.fields.values()) or str(error)) from None
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
    """Serve the app with its Socket.IO endpoint, and send due emails and index changes for
    search in the background."""
    from cop.extensions import socketio
    from cop.search import indexer

    # FlaskGroup marks the process as a CLI run, and Flask then refuses app.run(), which
    # socketio.run() calls: this command *is* the server, so lift the mark.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    app = current_app._get_current_object()
    stop = threading.Event()
    interval = app.config["COP_MAIL_INTERVAL_SECONDS"]
    threading.Thread(target=run_forever, args=(app, interval, stop), daemon=True).start()
    search_interval = app.config["COP_SEARCH_INTERVAL_MS"] / 1000
    threading.Thread(
        target=indexer.run_forever, args=(app, search_interval, stop), daemon=True
    ).start()
    click.echo(f"Serving on http://{host}:{port}")
    try:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)
    finally:
        stop.set()


@click.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Email the notifications that are due (run it every minute from cron when the app
    is served by something other than `cop run`)."""
    click.echo(f"Sent {deliver()} emails.")


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
