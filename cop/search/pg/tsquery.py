"""A parsed query (cop/search/parse.py builds it of Whoosh query nodes for both backends)
as SQL over `search_document`: its words as a tsquery on `vector` (phrases with `<->`,
a `word*` prefix as `:*`, OR as `|`, exclusion as `!`), its filters as conditions on the
id columns. The permission query (cop/search/permissions.py) is made of the same nodes,
so one translation restricts every search to what the reader may read."""

from sqlalchemy import ColumnElement, and_, cast, false, func, literal, not_, or_, true
from sqlalchemy.dialects.postgresql import TSQUERY
from whoosh import query

from cop.search.pg.table import documents
from cop.search.pg.vector import DERIVED, EXACT, quote

PREFIX = "*"  # a `text` term ending in it stands for every word it begins (see searching)


def prefix(stem: str) -> list[str]:
    """What parse expands a `word*` to: one term, a tsquery prefix (a Whoosh index lists
    the words it stands for; here the GIN index finds them, or `spelled_out` them)."""
    return [stem + PREFIX]


def stems(q: query.Query) -> list[str]:
    """The stems of the query's `word*` terms."""
    return sorted(
        {
            term.text[: -len(PREFIX)]
            for term in q.leaves()
            if isinstance(term, query.Term)
            and term.fieldname == "text"
            and term.text.endswith(PREFIX)
        }
    )


def spelled_out(q: query.Query, words: dict[str, list[str]]) -> query.Query:
    """The query with each `word*` whose stem has `words` (the vocabulary's words that
    begin with it) as those words OR'd. Only for finding the matches: the GIN index finds
    a few words' documents faster than a partial match does (at 100,000 posts, a prefix
    standing for one word took 24 ms of backend CPU instead of 21), and they are the same
    documents. A rank keeps the prefix, so that the order never depends on how many words
    the vocabulary, private texts' words included, holds for it."""

    def swap(node: query.Query) -> query.Query:
        if isinstance(node, query.Term) and node.fieldname == "text":
            found = words.get(node.text[: -len(PREFIX)]) if node.text.endswith(PREFIX) else None
            if found:
                return query.Or([query.Term("text", word) for word in found])
        return node

    return q.accept(swap)


WORD_FIELDS = ("text", "derived", "exact", "title")


def lexeme(field: str, text: str) -> str:
    """A term of one of the WORD_FIELDS as a tsquery lexeme (see cop/search/pg/vector.py:
    `title` is the lemma at weight A, `exact` and `derived` are kept apart by a mark)."""
    weight = "A" if field == "title" else ""
    if field in ("text", "title") and text.endswith(PREFIX):
        return quote(text[: -len(PREFIX)]) + ":*" + weight
    if field == "derived":
        return quote(DERIVED + text)
    if field == "exact":
        return quote(EXACT + text)
    return quote(text) + (":" + weight if weight else "")


def words(q: query.Query) -> str | None:
    """The node as a tsquery when it is made of words only, else None."""
    if isinstance(q, query.Term) and q.fieldname in WORD_FIELDS:
        return lexeme(q.fieldname, q.text)
    if isinstance(q, query.Sequence | query.And | query.Or) and q.subqueries:
        parts = [words(sub) for sub in q.subqueries]
        if None in parts:
            return None
        joint = " <-> " if isinstance(q, query.Sequence) else " & "
        if isinstance(q, query.Or):
            joint = " | "
        return "(" + joint.join(parts) + ")"
    return None


def matches(tsquery: str) -> ColumnElement[bool]:
    return documents.c.vector.op("@@", is_comparison=True)(cast(literal(tsquery), TSQUERY))


def _audience(value: str) -> ColumnElement[bool]:
    return literal(value) == func.any(func.string_to_array(documents.c.audience, " "))


def _tagged(tag: str) -> ColumnElement[bool]:
    """A discussion's tag: one of the comma-separated `tags`."""
    return literal(tag) == func.any(func.string_to_array(documents.c.tags, ","))


def _dates(q: query.DateRange) -> ColumnElement[bool]:
    column = documents.c.created
    clauses = []
    start, end = q.startdate, q.enddate
    if start is not None:
        clauses.append(column > start if q.startexcl else column >= start)
    if end is not None:
        clauses.append(column < end if q.endexcl else column <= end)
    return and_(true(), *clauses)


def condition(q: query.Query) -> ColumnElement[bool]:
    """The SQL condition for a query of the nodes parse and permissions use."""
    found = words(q)
    if found is not None:
        return matches(found)
    if q is query.NullQuery:
        return false()
    if isinstance(q, query.Every):
        return true()
    if isinstance(q, query.Term):
        if q.fieldname == "audience":
            return _audience(q.text)
        if q.fieldname == "tags":
            return _tagged(q.text)
        return documents.c[q.fieldname] == q.text
    if isinstance(q, query.DateRange):
        return _dates(q)
    if isinstance(q, query.AndNot):
        return and_(condition(q.a), not_(condition(q.b)))
    if isinstance(q, query.Not):
        return not_(condition(q.query))
    if isinstance(q, query.Or):
        return _any(q.subqueries)
    if isinstance(q, query.And):
        return and_(true(), *(condition(sub) for sub in q.subqueries))
    raise TypeError(f"not a query node the search language makes: {q!r}")


def _any(subqueries: list) -> ColumnElement[bool]:
    """Or: terms of one id field as one IN (the permission query's lists of spaces)."""
    if not subqueries:
        return false()
    fields = {sub.fieldname for sub in subqueries if isinstance(sub, query.Term)}
    if len(fields) == 1 and all(isinstance(sub, query.Term) for sub in subqueries):
        (name,) = fields
        if name in documents.c and name not in ("audience", "text", "derived", "tags"):
            return documents.c[name].in_([sub.text for sub in subqueries])
    return or_(false(), *(condition(sub) for sub in subqueries))
