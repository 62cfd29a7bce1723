"""Full-text search: the only code that talks to Whoosh or to the search table (see
docs/search.md)."""

from cop import events
from cop.accounts.events import PersonErased
from cop.search import backend, outbox, replica


def init_app(app) -> None:
    backend.check_config(app.config)
    replica.check_config(app.config)
    outbox.install()
    replica.install()  # after the outbox's hook, whose note it reads
    events.subscribe(app, PersonErased, replica.forget_person)
