"""The PostgreSQL backend's searching: the parsed query and the reader's permission query
in one statement's WHERE (cop/search/pg/tsquery.py), so the total, the facets and "did
you mean" only ever count what the reader may read. Results are grouped per discussion
as the Whoosh path groups them (a discussion ranks by its best post and shows up to
grouping.MAX_SHOWN of its matching posts), with the same snippets.

A search sends one statement of its own (cop/search/pg/statement.py: the total, the
facets, the page and the budget's verdict together). Before it, a query with a `word*`
looks up the words the prefix stands for; after it, only a search that finds nothing sends
more (the lookups "did you mean" starts from). The statements before (catching up, the
reader's scope) are both backends'."""

from datetime import datetime

from sqlalchemy import func, literal, select, union_all
from whoosh import query

from cop.discussions import stars
from cop.extensions import db
from cop.search import readings, snippets, vocabulary
from cop.search.collect import scoring_terms
from cop.search.parse import Parsed, filter_query, parse
from cop.search.pg import budget, indexing, statement, suggestions, tsquery, version
from cop.search.pg.table import documents, words
from cop.search.pg.tsquery import PREFIX, condition, lexeme, matches, prefix, spelled_out, stems
from cop.search.results import MAX_PAGE, Hit, Results, match_of
from cop.search.schema import VERSION
from cop.search.scope import search_scope
from cop.search.sources import modules

SPELLED_OUT = vocabulary.PREFIX_TERMS  # a prefix standing for more words stays a partial match
LIKELY = 0.5  # a reading weighed less ranks once, the likely ones twice
COUNTED = 1000  # documents counted per reading when weighing readings


def ranked(parsed: Parsed) -> list[str]:
    """The tsqueries whose ranks add up to a match's score. ts_rank has no weight per
    query term: the rank of every term, plus, when a word has an unlikely reading (weighed
    by cop/search/readings.py), that of the likely terms again, so a text with only a rare
    reading ranks below one with the common reading. Derived nouns need no second pass:
    their label (D) already weighs them least. Each pass ranks every allowed match, the
    most costly part of a common word's search."""
    terms = scoring_terms(parsed.positive)
    if not terms:
        return []
    likely = [term for term in terms if term[2] >= LIKELY or term[0] == "derived"]
    passes = [terms] if len(likely) in (0, len(terms)) else [terms, likely]
    return [" | ".join(lexeme(field, text) for field, text, _w in chosen) for chosen in passes]


def _telling(forms: tuple[str, ...]) -> int:
    """The documents (at most COUNTED) holding any of these exact forms."""
    held = matches(" | ".join(lexeme("exact", form) for form in forms))
    some = select(documents.c.id).where(held).limit(COUNTED + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(some))


def _prefix_words(parsed: Parsed) -> dict[str, list[str]]:
    """The vocabulary's words that begin with each of the query's prefixes, for those
    that stand for at most SPELLED_OUT words (one statement, only for a query with a
    prefix). The vocabulary holds every word of every document, whoever may read it: the
    matches are the same with the words as with the prefix (see tsquery.spelled_out)."""
    wanted = stems(parsed.query())
    if not wanted:
        return {}
    w = words.c.word
    branches = [
        select(literal(stem).label("stem"), w)
        .where(w.like(budget.like(stem), escape="\\"))
        .limit(SPELLED_OUT + 1)
        .subquery()
        .select()
        for stem in wanted
    ]
    found: dict[str, list[str]] = {stem: [] for stem in wanted}
    for stem, word in db.session.execute(union_all(*branches)):
        found[stem].append(word)
    return {stem: sorted(ws) for stem, ws in found.items() if 0 < len(ws) <= SPELLED_OUT}


def _found(
    parsed: Parsed,
    spelled: dict[str, list[str]],
    scope,
    sort: str,
    page: int,
    per_page: int,
    checked: bool = False,
) -> tuple | None:
    """The facet rows and the page's rows, from the search's statement
    (cop/search/pg/statement.py), with the budget checked first in it and the table's
    version read beside it: None when the table is of another version, unless that was
    `checked` already. Raises Invalid for a query beyond the budget."""
    asked = spelled_out(parsed.query(), spelled)
    words_only = tsquery.words(asked)
    rank = ranked(parsed)
    likes = budget.likes(parsed)
    if words_only is not None:
        sent = statement.of_words(scope, len(rank), likes is not None, sort)
    else:
        sent = statement.built(condition(asked), scope, len(rank), likes is not None, sort)
    found = _planned_for_its_words(sent, statement.values(words_only, rank, likes, page, per_page))
    if found[4] != VERSION and not checked:
        return None
    budget.check(found[2], found[3])
    return found[0] or [], found[1] or []


def _planned_for_its_words(sent, values: dict):
    """The statement's row, never sent as a prepared statement: psycopg prepares one after
    a few runs, and PostgreSQL may then plan it once for any words, a plan that misjudges
    how many documents a word has (at 100,000 posts, 46 ms of backend CPU for a common
    word instead of 38). Planned per search, for its words, it costs under a millisecond."""
    connection = db.session.connection(bind_arguments={"clause": sent})
    driver = connection.connection.driver_connection
    kept, driver.prepare_threshold = driver.prepare_threshold, None
    try:
        return connection.execute(sent, values).one()
    finally:
        driver.prepare_threshold = kept


def _current_found(
    parsed: Parsed, spelled: dict[str, list[str]], scope, sort: str, page: int, per_page: int
) -> tuple:
    """_found, from a table of this version. When the version read is another, the
    primary's word decides (version.require_current): IndexOutdated (a 503 with the
    rebuild's progress) for an outdated table; an empty one is marked current, and a
    read replica may simply not have replayed the switch yet."""
    found = _found(parsed, spelled, scope, sort, page, per_page)
    if found is None:
        version.require_current()
        found = _found(parsed, spelled, scope, sort, page, per_page, checked=True)
    return found


def _facets(rows: list[dict]) -> tuple[int, dict[str, dict[str, int]]]:
    """The number of results, and the facet counts of their best posts."""
    facets: dict[str, dict[str, int]] = {name: {} for name in ("kind", "space", "platform", "year")}
    total = 0
    for row in rows:
        total += row["count"]
        for name in facets:
            if row[name]:
                facets[name][row[name]] = facets[name].get(row[name], 0) + row["count"]
    return total, facets


def _grouped(rows: list[dict]) -> list[list[dict]]:
    """The page's rows as results, each its best posts first."""
    results: dict[int, list[dict]] = {}
    for row in rows:
        row["created"] = datetime.fromisoformat(row["created"])
        results.setdefault(row["place"], []).append(row)
    return list(results.values())


def _marked(parsed: Parsed, spelled: dict[str, list[str]], texts: list[str]) -> frozenset[str]:
    """The terms snippets mark: the query's words, the words its prefixes were spelled
    out to, and what the other prefixes matched in the shown texts (the Whoosh backend
    expands a prefix to its words before searching)."""
    terms = {text for _field, text, _weight in scoring_terms(parsed.positive)}
    for words_of_stem in spelled.values():
        terms.update(words_of_stem)
    partial = [
        term[: -len(PREFIX)]
        for term in terms
        if term.endswith(PREFIX) and term[: -len(PREFIX)] not in spelled
    ]
    if partial:
        terms |= set().union(*(snippets.prefixed(text, partial) for text in texts))
    return frozenset(terms)


def search(
    user,
    text: str,
    *,
    kind: str | None = None,
    space_id: int | None = None,
    platform_id: int | None = None,
    year: int | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 10,
    facets: bool = True,
) -> Results:
    """One page of what the user may read that matches the query (the options as the
    Whoosh backend's). Catches up with the waiting changes that name one document first,
    so the user's own writes are found at once. Raises Invalid for a query outside the
    language's bounds."""
    page = min(max(page, 1), MAX_PAGE)
    indexing.catch_up()
    scope = search_scope(user)
    weigh = lambda word: readings.kept_weights(word, _telling)  # noqa: E731
    parsed = parse(text, prefix, lambda: stars.starred_ids(user), weigh)
    if kind:
        parsed.filters.append(filter_query("kind", kind))
    for name, value in (("space", space_id), ("platform", platform_id), ("year", year)):
        if value is not None:
            parsed.filters.append(query.Term(name, str(value)))
    found = Results(total=0, page=page, per_page=per_page)
    if parsed.empty or not scope.spaces:
        return found
    spelled = _prefix_words(parsed)
    facet_rows, page_rows = _current_found(parsed, spelled, scope, sort, page, per_page)
    found.total, counts = _facets(facet_rows)
    if found.total == 0:  # "did you mean" only then
        found.suggestion = suggestions.suggestion(text, parsed, statement.allowed(scope))
    if facets:
        found.facets = counts
    pages = _grouped(page_rows)
    marked = _marked(parsed, spelled, [hit["text"] for shown in pages for hit in shown])
    for shown in pages:
        first = shown[0]
        found.hits.append(
            Hit(
                kind=first["kind"],
                discussion_id=int(first["discussion"]) if first["discussion"] else None,
                consultation_id=int(first["consultation"]) if first["consultation"] else None,
                module_id=modules.module_id(first["id"]),
                title=first["heading"],
                space_id=int(first["space"]),
                matches=[match_of(hit, marked) for hit in shown],
                count=first["size"],
            )
        )
    return found
