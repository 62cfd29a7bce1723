"""`cop search rebuild` and `cop search check`, for the configured backend."""

import sys

import click
from flask.cli import AppGroup

from cop.search import backend, indexer

search_cli = AppGroup("search", help="The search index: rebuild it, check it against the database.")


@search_cli.command("rebuild")
def rebuild_command() -> None:
    """Index everything anew from the database (searches keep working meanwhile)."""
    total = indexer.count_documents()
    with click.progressbar(length=total, label="Indexing", show_pos=True) as bar:
        count = backend.current().rebuild(bar.update)
    click.echo(f"Indexed {count} documents.")


@search_cli.command("check")
def check_command() -> None:
    """Index what waits in the outbox, then report documents missing from the index,
    stale in it or left over; exits with 1 when there are any."""
    chosen = backend.current()
    if chosen.outdated():
        progress = chosen.progress()
        if progress is None:
            click.echo(
                "The index was built by another version of cop and is not searched: the "
                "background worker (`cop worker`, started by `cop run`) rebuilds it, or "
                "run `cop search rebuild`."
            )
        else:
            click.echo(
                "The index was built by another version of cop and is being rebuilt in the "
                f"background: {progress[0]} of {progress[1]} documents."
            )
        sys.exit(1)
    drift = chosen.check()
    for name in ("missing", "stale", "extra"):
        ids = getattr(drift, name)
        if ids:
            shown = ", ".join(ids[:20]) + (" …" if len(ids) > 20 else "")
            click.echo(f"{name}: {len(ids)} ({shown})")
    if drift:
        click.echo("The index has drifted from the database: run `cop search rebuild`.")
        sys.exit(1)
    click.echo("The index matches the database.")
