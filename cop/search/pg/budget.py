"""The work a query may do, as the Whoosh backend's Budget (cop/search/vocabulary.py)
bounds it, with the same settings and message: the words it asks for
(COP_SEARCH_MAX_TERMS; a `word*` counts every vocabulary word it stands for) and the
documents holding them (COP_SEARCH_MAX_POSTINGS: ranking reads each one's vector).

Counted before the search in one statement, term by term (a recursive query): each count
stops past the budget, and no term is counted once the budget is spent, so a query of
many common words reads about as much as one of them before it is refused."""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from cop.errors import Invalid
from cop.extensions import db
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
    SELECT words, postings FROM spent ORDER BY k DESC LIMIT 1
    """
).bindparams(
    bindparam("likes", type_=ARRAY(Text)),
    bindparam("lexemes", type_=ARRAY(Text)),
)


def _broad() -> Invalid:
    message = _(
        "This search is too broad: add a word or a filter, or put more letters before the *."
    )
    return Invalid(message, fields={"q": message})


def _like(stem: str) -> str:
    return stem.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def spend(parsed: Parsed) -> None:
    """Raise Invalid when the query's words would read more than the budget allows."""
    max_words = max(current_app.config["COP_SEARCH_MAX_TERMS"], 0)
    max_postings = max(current_app.config["COP_SEARCH_MAX_POSTINGS"], 0)
    asked = sorted({(f, t) for f, t, _w in scoring_terms(parsed.positive + parsed.negative)})
    if not asked:
        return
    likes = [
        _like(t[: -len(PREFIX)]) if f == "text" and t.endswith(PREFIX) else None for f, t in asked
    ]
    words, postings = db.session.execute(
        _SPENT,
        {
            "likes": likes,
            "lexemes": [lexeme(f, t) for f, t in asked],
            "max_words": max_words,
            "max_postings": max_postings,
        },
    ).one()
    if words > max_words or postings > max_postings:
        raise _broad()
