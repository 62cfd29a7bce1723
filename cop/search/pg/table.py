"""The PostgreSQL backend's tables, made by migration 0023 on PostgreSQL only (so they are
kept out of the application's metadata, which SQLite databases are checked against).

`search_document` holds one row per index document with the same fields as the Whoosh
index (strings, so a parsed query's terms compare as they do there) and `vector`, the
document's lemma stream from cop/search/analysis.py as a tsvector: title words at weight
A, body words at B, and at D the nouns the words derive from, as `~noun` lexemes (Whoosh's
`derived` field); `tags` holds a discussion's tags as Whoosh's comma-separated keyword
field does. `search_word` is the vocabulary "did you mean" draws from (pg_trgm).
`search_recent_write` (migration 0030) holds when each person last wrote something
searchable, for sending their searches to the primary rather than to a lagging read
replica (cop/search/replica.py); a read replica means PostgreSQL, whichever backend."""

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text, text
from sqlalchemy.dialects.postgresql import TSVECTOR

from cop.db import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)

ID_FIELDS = (
    "kind",
    "post",
    "discussion",
    "consultation",
    "space",
    "community",
    "oblast",
    "platform",
    "status",
    "year",
    "author",
    "first",
    "group",
    "private",
    "audience",
    "internal",
    "hidden",
)

KEY_INDEXES = ("discussion", "consultation", "space", "community", "post")


def document_table(name: str) -> Table:
    """`search_document`, or the table a rebuild fills beside it (cop/search/pg/upgrade.py),
    whose indexes are renamed to the first one's when it takes its place."""
    return Table(
        name,
        metadata,
        Column("id", String(40), primary_key=True),
        *(Column(field, String(100), nullable=False) for field in ID_FIELDS),
        Column("created", DateTime, nullable=False),
        Column("heading", Text, nullable=False),
        Column("text", Text, nullable=False),
        Column("tags", Text, nullable=False),  # the discussion's tags, comma-separated
        Column("stamp", String(24), nullable=False),
        Column("vector", TSVECTOR, nullable=False),
        # No pending list (migration 0036): with GIN's default `fastupdate` new rows'
        # words wait in a list that every search reads through, until an insert that
        # finds it full merges it all into the index.
        Index(
            f"ix_{name}_vector",
            "vector",
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        ),
        # A drain deletes a key's documents by these.
        *(Index(f"ix_{name}_{field}", field) for field in KEY_INDEXES),
    )


# How `vector` and `text` are stored and planned (migration 0035):
# - `vector` inline (STORAGE MAIN) and `text` out of line (EXTERNAL): a search reads the
#   vector of every match but the text of the few it shows. With PostgreSQL's defaults a
#   row of about 2 kB had its vector moved to the TOAST table, and fetching it back cost a
#   common word's search at 100,000 posts a third of its time;
# - the planner's word statistics for `vector` at VECTOR_STATISTICS (PostgreSQL's default
#   is 100): with the default, a word held by three documents was estimated at hundreds,
#   and the planner ANDed its bitmap with the readable spaces' (most of the table), three
#   quarters of a rare word's search. Planning takes no longer (docs/search.md).
VECTOR_STATISTICS = 10_000


def tune(connection, table: Table) -> None:
    connection.execute(
        text(
            f"ALTER TABLE {table.name}"
            " ALTER COLUMN vector SET STORAGE MAIN,"
            " ALTER COLUMN text SET STORAGE EXTERNAL,"
            f" ALTER COLUMN vector SET STATISTICS {VECTOR_STATISTICS}"
        )
    )


def analyze(connection, table: Table) -> None:
    """Gather the planner's statistics of a table just filled anew (autovacuum would,
    later: until then the word estimates are the defaults)."""
    connection.execute(text(f"ANALYZE {table.name}"))


documents = document_table("search_document")
next_documents = document_table("search_document_next")

# One row: the schema VERSION (cop/search/schema.py) whose analysis built
# `search_document` (migration 0029), and the state of a rebuild under way: the documents
# to index and indexed, the source and document number it got to, and the last outbox row
# older than it.
state = Table(
    "search_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("total", Integer),
    Column("done", Integer),
    Column("source", Integer),
    Column("after", Integer),
    Column("outbox_before", Integer),
)

words = Table(
    "search_word",
    metadata,
    Column("word", Text, primary_key=True),
    Index(
        "ix_search_word_trgm",
        "word",
        postgresql_using="gin",
        postgresql_ops={"word": "gin_trgm_ops"},
    ),
)

# No foreign key to "user" (another metadata): a person's row is only ever looked up by
# their id, and an erased account keeps its id.
recent_writes = Table(
    "search_recent_write",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
