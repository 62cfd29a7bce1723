"""The work a query may do, as the Whoosh backend's Budget (cop/search/vocabulary.py)
bounds it, with the same settings and message: the words it asks for
(COP_SEARCH_MAX_TERMS; a `word*` counts every vocabulary word it stands for) and the
documents holding them (COP_SEARCH_MAX_POSTINGS: ranking reads each one's vector).

Counted term by term (a recursive query) in a CTE of the search's own statement, which
reads no match unless it is within the budget: each count stops past the budget, and no
term is counted once the budget is spent, so a query of many common words reads about as
much as one of them before it is refused. The terms are the recursive query's parameters,
so each count is planned through the GIN index: counting a common word given as a
literal, the planner chose a sequential scan that decompresses every document's vector
(at 20,000 posts, "сервер": 70 ms against 12 ms through the index)."""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import BigInteger, Boolean, bindparam, column, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from cop.errors import Invalid
from cop.search.collect import scoring_terms
from cop.search.parse import Parsed
from cop.search.pg.tsquery import PREFIX, lexeme

_SPENT = text(
    """
    WITH RECURSIVE spent (k, words, postings) AS (
        SELECT 0, 0::bigint, 0::bigint
      UNION ALL
        SELECT k + 1,
               words + CASE WHEN (:likes)[k + 1] IS NULL THEN 1 ELSE (
                   SELECT count(*) FROM (
                       SELECT 1 FROM search_word WHERE word LIKE (:likes)[k + 1] ESCAPE '\\'
                       LIMIT :max_words + 1) AS w) END,
               postings + (
                   SELECT count(*) FROM (
                       SELECT 1 FROM search_document
                       WHERE vector @@ CAST((:lexemes)[k + 1] AS tsquery)
                       LIMIT :max_postings + 1) AS p)
        FROM spent
        WHERE k < cardinality(:lexemes) AND words <= :max_words AND postings <= :max_postings
    )
    SELECT words, postings, words <= :max_words AND postings <= :max_postings AS within
    FROM spent ORDER BY k DESC LIMIT 1
    """
)


def _broad() -> Invalid:
    message = _(
        "This search is too broad: add a word or a filter, or put more letters before the *."
    )
    return Invalid(message, fields={"q": message})


def _like(stem: str) -> str:
    return stem.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def spent(parsed: Parsed):
    """The budget's CTE for the query: `words` and `postings` counted, and `within`, or
    None when the query asks for no word (filters only)."""
    asked = sorted({(f, t) for f, t, _w in scoring_terms(parsed.positive + parsed.negative)})
    if not asked:
        return None
    likes = [
        _like(t[: -len(PREFIX)]) if f == "text" and t.endswith(PREFIX) else None for f, t in asked
    ]
    return (
        _SPENT.bindparams(
            bindparam("likes", likes, type_=ARRAY(Text)),
            bindparam("lexemes", [lexeme(f, t) for f, t in asked], type_=ARRAY(Text)),
            max_words=max(current_app.config["COP_SEARCH_MAX_TERMS"], 0),
            max_postings=max(current_app.config["COP_SEARCH_MAX_POSTINGS"], 0),
        )
        .columns(
            column("words", BigInteger), column("postings", BigInteger), column("within", Boolean)
        )
        .cte("spent")
    )


def check(within: bool | None) -> None:
    """Raise Invalid when the query's words would read more than the budget allows."""
    if within is False:
        raise _broad()
