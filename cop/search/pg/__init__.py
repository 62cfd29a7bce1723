"""The PostgreSQL search backend (COP_SEARCH_BACKEND=postgres): the index is a table in the
database every machine shares (docs/search.md)."""
