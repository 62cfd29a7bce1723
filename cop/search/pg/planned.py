"""How the PostgreSQL backend's statements are planned. The planner costs `vector @@
query` like any operator, so for a word in a fifth of the documents it prefers a
sequential scan, which reads and decompresses every document's vector; the GIN index's
bitmap reads only the matching ones (at 20,000 posts, "сервер": 70 ms scanning, 12 ms
through the index; docs/benchmarks.md). A search's statements are planned index first,
and only they: the setting is the transaction's, and reset after them."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cop.extensions import db


@contextmanager
def index_first() -> Iterator[None]:
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    try:
        yield
    except DBAPIError:
        raise  # the failed transaction is rolled back, and the setting with it
    except BaseException:
        db.session.execute(text("RESET enable_seqscan"))
        raise
    db.session.execute(text("RESET enable_seqscan"))
