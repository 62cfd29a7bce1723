"""The work a query may do, as the Whoosh backend's Budget (cop/search/vocabulary.py)
bounds it, with the same settings and message: the words it asks for
(COP_SEARCH_MAX_TERMS; a `word*` counts every vocabulary word it stands for) and the
documents holding them (COP_SEARCH_MAX_POSTINGS: ranking reads each one's vector).
Counted before the search, each count stopping at the bound it may not pass."""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from cop.errors import Invalid
from cop.extensions import db
from cop.search.collect import scoring_terms
from cop.search.parse import Parsed
from cop.search.pg.table import documents, words
from cop.search.pg.tsquery import PREFIX, lexeme, matches


def _broad() -> Invalid:
    message = _(
        "This search is too broad: add a word or a filter, or put more letters before the *."
    )
    return Invalid(message, fields={"q": message})


def bounded_count(query, bound: int) -> int:
    return db.session.scalar(select(func.count()).select_from(query.limit(bound + 1).subquery()))


def _like(stem: str) -> str:
    return stem.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def spend(parsed: Parsed) -> None:
    """Raise Invalid when the query's words would read more than the budget allows."""
    terms = current_app.config["COP_SEARCH_MAX_TERMS"]
    postings = current_app.config["COP_SEARCH_MAX_POSTINGS"]
    asked = {(field, text) for field, text, _w in scoring_terms(parsed.positive + parsed.negative)}
    for field, text in sorted(asked):
        if field == "text" and text.endswith(PREFIX):
            stem = text[: -len(PREFIX)]
            terms -= bounded_count(
                select(words.c.word).where(words.c.word.like(_like(stem), escape="\\")),
                max(terms, 0),
            )
        else:
            terms -= 1
        if terms < 0:
            raise _broad()
        postings -= bounded_count(
            select(documents.c.id).where(matches(lexeme(field, text))), max(postings, 0)
        )
        if postings < 0:
            raise _broad()
