""" "Did you mean" for the PostgreSQL backend, as the Whoosh backend's (cop/search/
vocabulary.py): a word no readable document holds is replaced by a close word (pg_trgm's
similarity, then at most two edits, same first letter) that a readable document holds,
if the corrected query then finds something the reader may read. Whether the words find
anything readable and their similar words are asked in one statement, only when the
search finds nothing; counting the close words' readable documents is one more
statement, only when there are close ones. Words only in documents
the reader cannot read are never candidates, so nothing shown depends on them."""

import re

from sqlalchemy import and_, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from cop.errors import Invalid
from cop.extensions import db
from cop.search.analysis import fold
from cop.search.parse import Parsed, parse, word_query
from cop.search.pg import tsquery
from cop.search.pg.table import documents, words
from cop.search.vocabulary import SUGGESTION_CANDIDATES

SIMILAR = 30  # vocabulary words looked at per unknown word, most similar first
MAX_EDITS = 2


def _edits(a: str, b: str) -> int:
    """Levenshtein distance."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _finds(q, allowed) -> bool:
    return bool(db.session.scalar(select(exists().where(and_(tsquery.condition(q), allowed)))))


def _readable_counts(terms: list[str], allowed) -> list[int]:
    """How many readable documents hold each term, in one pass over their matches."""
    if not terms:
        return []
    holding = [tsquery.matches(tsquery.quote(term)) for term in terms]
    return list(
        db.session.execute(
            select(*(func.count().filter(match) for match in holding))
            .select_from(documents)
            .where(or_(*holding), allowed)
        ).one()
    )


def _similar(word: str):
    """The vocabulary words most similar to the word (pg_trgm's `%`, through the trigram
    index), with the same first letter, most similar first, as an array."""
    folded = fold(word)
    similar = (
        select(words.c.word, func.similarity(words.c.word, folded).label("similarity"))
        .where(
            words.c.word.op("%")(literal(folded)),
            func.left(words.c.word, 1) == folded[:1],
            words.c.word != folded,
        )
        .order_by(func.similarity(words.c.word, folded).desc(), words.c.word)
        .limit(SIMILAR)
        .subquery()
    )
    ordered = aggregate_order_by(similar.c.word, similar.c.similarity.desc(), similar.c.word)
    return select(func.array_agg(ordered)).scalar_subquery()


def asked(parsed: Parsed) -> list[str]:
    """The words "did you mean" looks at."""
    return parsed.words[:3]


def _looked_up(parsed: Parsed, allowed) -> list:
    """For each word asked, in one statement: whether a readable document holds it, and
    its similar vocabulary words."""
    columns = []
    for word in asked(parsed):
        columns.append(exists().where(and_(tsquery.condition(word_query(word)), allowed)))
        columns.append(_similar(word))
    return list(db.session.execute(select(*columns)).one()) if columns else []


def _unknown(parsed: Parsed, looked_up: list) -> list[tuple[str, list[str]]]:
    """The words no readable document holds, each with its similar vocabulary words."""
    found = iter(looked_up)
    pairs = zip(found, found, strict=True)
    return [
        (word, similar or [])
        for word, (finds, similar) in zip(asked(parsed), pairs, strict=True)
        if not finds
    ]


def corrections(word: str, similar: list[str], allowed) -> list[str]:
    """Readable words within two edits of the word among the similar ones: nearest first,
    then those in more readable documents."""
    folded = fold(word)
    distances = {term: _edits(term, folded) for term in similar}
    close = [term for term, distance in distances.items() if distance <= MAX_EDITS]
    ranked = {
        term: (distances[term], -count)
        for term, count in zip(close, _readable_counts(close, allowed), strict=True)
        if count
    }
    return sorted(ranked, key=lambda t: (*ranked[t], t))[:SUGGESTION_CANDIDATES]


def suggestion(text: str, parsed: Parsed, allowed) -> str | None:
    """The query with unknown words replaced, if that finds something readable."""
    corrected = text
    changed = False
    for word, similar in _unknown(parsed, _looked_up(parsed, allowed)):
        for candidate in corrections(word, similar, allowed):
            attempt = re.sub(re.escape(word), candidate, corrected, count=1, flags=re.IGNORECASE)
            try:
                attempted = parse(attempt, tsquery.prefix)
            except Invalid:
                continue
            if _finds(attempted.query(), allowed):
                corrected, changed = attempt, True
                break
    return corrected if changed else None
