"""The work a query may do, as the Whoosh backend's Budget (cop/search/vocabulary.py)
bounds it, with the same settings and message: the words it asks for
(COP_SEARCH_MAX_TERMS; a `word*` counts every vocabulary word it stands for) and the
documents it reads (COP_SEARCH_MAX_POSTINGS).

The words are counted term by term (a recursive query over the vocabulary) in a CTE of
the search's own statement, which reads no document unless they are within the budget.
The documents are not counted beforehand: counting them reads each one's row as the
search itself does (at 100,000 posts, half of a common word's search went to it).
Instead the search reads at most COP_SEARCH_MAX_POSTINGS + 1 matches (`LIMIT`), and a
query that found more is refused: its cost is bounded by the budget, as Whoosh's is,
and one that fits reads each of its documents once. Whoosh counts postings, a word's
documents, word by word; this counts the documents the whole query reads, its real
cost here (a document holding two OR'd words is read once)."""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import BigInteger, Boolean, Integer, bindparam, column, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from cop.errors import Invalid
from cop.search.collect import scoring_terms
from cop.search.parse import Parsed
from cop.search.pg.tsquery import PREFIX

_SPENT = text(
    """
    WITH RECURSIVE spent (k, words) AS (
        SELECT 0, 0::bigint
      UNION ALL
        SELECT k + 1,
               words + CASE WHEN (:likes)[k + 1] IS NULL THEN 1 ELSE (
                   SELECT count(*) FROM (
                       SELECT 1 FROM search_word WHERE word LIKE (:likes)[k + 1] ESCAPE '\\'
                       LIMIT :max_words + 1) AS w) END
        FROM spent
        WHERE k < cardinality(:likes) AND words <= :max_words
    )
    SELECT words, words <= :max_words AS within FROM spent ORDER BY k DESC LIMIT 1
    """
)


def _broad() -> Invalid:
    message = _(
        "This search is too broad: add a word or a filter, or put more letters before the *."
    )
    return Invalid(message, fields={"q": message})


def like(stem: str) -> str:
    """The LIKE pattern of the words that begin with `stem`."""
    return stem.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def likes(parsed: Parsed) -> list[str | None] | None:
    """The words the query asks for, one per term: a prefix's LIKE pattern (it counts as
    every vocabulary word it stands for) or None (a word, counted once); None when the
    query asks for no word (filters only)."""
    asked = sorted({(f, t) for f, t, _w in scoring_terms(parsed.positive + parsed.negative)})
    if not asked:
        return None
    return [
        like(t[: -len(PREFIX)]) if f == "text" and t.endswith(PREFIX) else None for f, t in asked
    ]


def spent():
    """The budget's CTE over the bound `likes` (see `values`): `words` counted and
    `within`."""
    return (
        _SPENT.bindparams(
            bindparam("likes", type_=ARRAY(Text)), bindparam("max_words", type_=Integer)
        )
        .columns(column("words", BigInteger), column("within", Boolean))
        .cte("spent")
    )


def values(patterns: list[str | None] | None) -> dict:
    """The values `spent` is sent with."""
    return {
        "likes": patterns or [],
        "max_words": max(current_app.config["COP_SEARCH_MAX_TERMS"], 0),
    }


def documents() -> int:
    """The most documents a search may read."""
    return max(current_app.config["COP_SEARCH_MAX_POSTINGS"], 0)


def check(within: bool | None, read: int) -> None:
    """Raise Invalid when the query's words, or the documents it read, are beyond the
    budget."""
    if within is False or read > documents():
        raise _broad()
