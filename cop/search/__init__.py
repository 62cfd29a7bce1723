"""Full-text search: the only code that talks to Whoosh or to the search table (see
docs/search.md)."""

from cop.search import backend, outbox


def init_app(app) -> None:
    backend.check_config(app.config)
    outbox.install()
