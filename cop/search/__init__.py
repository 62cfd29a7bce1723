"""Full-text search: the only code that talks to Whoosh (see docs/search.md)."""

from cop.search import outbox


def init_app(app) -> None:
    outbox.install()
