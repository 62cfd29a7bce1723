"""Full-text search: the only code that talks to Whoosh (see docs/search.md)."""


def init_app(app) -> None:
    from cop.search import outbox, scope

    outbox.install()
    scope.install()
