"""The PostgreSQL backend's searching: the parsed query and the reader's permission query
in one statement's WHERE (cop/search/pg/tsquery.py), so the total, the facets and "did
you mean" only ever count what the reader may read. Results are grouped per discussion
as the Whoosh path groups them (a discussion ranks by its best post and shows up to
grouping.MAX_SHOWN of its matching posts), with the same snippets.

A search's own statement: the budget's count of words, then, within it, the allowed
matches from the GIN index (at most one past the documents the budget allows), ranked
once, sorted once to find each result's best post, the facet counts and the page from
those, and the table's version. Only a search that finds nothing sends more (the
lookups "did you mean" starts from). The statements before (catching up, the reader's
scope) are both backends'; the reader's permission condition is built once per scope."""

import functools
from datetime import datetime

from sqlalchemy import REAL, and_, cast, func, literal, select, true
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, aggregate_order_by, distinct_on
from whoosh import query

from cop.discussions import stars
from cop.extensions import db
from cop.search import grouping, readings, snippets
from cop.search.collect import scoring_terms
from cop.search.parse import Parsed, filter_query, parse
from cop.search.permissions import permission_query
from cop.search.pg import budget, indexing, suggestions, version
from cop.search.pg.table import documents, state
from cop.search.pg.tsquery import PREFIX, condition, lexeme, matches, prefix
from cop.search.results import MAX_PAGE, Hit, Results, match_of
from cop.search.schema import VERSION
from cop.search.scope import search_scope
from cop.search.sources import modules

# ts_rank's weights for D (derived nouns), C (unused), B (body) and A (title), and its
# normalisation 1: the rank divided by 1 + log(the document's length), as BM25 favours
# a short text that is about the word over a long one that mentions it. ts_rank rather
# than ts_rank_cd: the recall set ranks the same with either (docs/search.md), and at
# 100,000 posts the cover density cost a common word's search a quarter of its time.
WEIGHTS = [0.1, 0.2, 0.4, 1.0]
NORMALISATION = 1


ALLOWED_KEPT = 256  # readers' permission conditions kept per process
LIKELY = 0.5  # a reading weighed less ranks once, the likely ones twice
COUNTED = 1000  # documents counted per reading when weighing readings


def _rank_of(terms: list[tuple[str, str, float]]):
    ranked = " | ".join(lexeme(field, text) for field, text, _weight in terms)
    return func.ts_rank(
        cast(WEIGHTS, ARRAY(REAL)),
        documents.c.vector,
        cast(literal(ranked), TSQUERY),
        NORMALISATION,
    )


def _rank(parsed: Parsed):
    """ts_rank has no weight per query term: the rank of every term, plus, when a word
    has an unlikely reading (weighed by cop/search/readings.py), that of the likely terms
    again, so a text with only a rare reading ranks below one with the common reading.
    Derived nouns need no second pass: their label (D) already weighs them least. Each
    pass ranks every allowed match, the most costly part of a common word's search."""
    terms = scoring_terms(parsed.positive)
    if not terms:
        return literal(0.0)
    likely = [term for term in terms if term[2] >= LIKELY or term[0] == "derived"]
    if len(likely) == len(terms):
        return _rank_of(terms)
    return _rank_of(terms) + (_rank_of(likely) if likely else literal(0.0))


def _telling(forms: tuple[str, ...]) -> int:
    """The documents (at most COUNTED) holding any of these exact forms."""
    held = matches(" | ".join(lexeme("exact", form) for form in forms))
    some = select(documents.c.id).where(held).limit(COUNTED + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(some))


@functools.lru_cache(maxsize=ALLOWED_KEPT)
def allowed(scope):
    """The reader's permission query as SQL (the scope comes from the policy's SQL read
    conditions, cop/policy.py's SearchScope), built once per scope and process: a scope
    is a frozen value, and a change of what someone may read gives them a new one."""
    return condition(permission_query(scope))


def _matching(parsed: Parsed, readable, spent):
    """The allowed matches, each ranked and with its result (`grp`): at most one past the
    budget's documents, and none when its words are beyond it (`spent` being a one-time
    filter). Read from the GIN index and ranked once per search: the total, the facets and
    the page are all taken from it in the same statement."""
    t = documents.c
    # Byte order: the result only groups and sorts the matches to find each one's best
    # post, and the database's collation compared them letter by letter (2 of a common
    # word's 30 ms of backend CPU at 100,000 posts).
    result = func.coalesce(func.nullif(t.discussion, ""), t.id).collate("C")
    within = true() if spent is None else select(spent.c.within).scalar_subquery()
    return (
        select(t.id, t.kind, t.space, t.platform, t.year, t.created, _rank(parsed).label("score"))
        .add_columns(result.label("grp"))
        .where(and_(within, condition(parsed.query()), readable))
        .limit(budget.documents() + 1)
        .cte("matching")
    )


def _order(columns, sort: str) -> tuple:
    """Best first: the highest rank (ties: the older post), or the newest."""
    if sort == "newest":
        return (columns.created.desc(), columns.id.desc())
    return (columns.score.desc(), columns.created, columns.id)


def _best(matching, sort: str):
    """Each result's best post, one row per result: the one sort of the matches a search
    needs (numbering every result's posts with window functions sorted and kept them all,
    a third of a common word's time at 100,000 posts)."""
    m = matching.c
    return select(matching).ext(distinct_on(m.grp)).order_by(m.grp, *_order(m, sort)).cte("best")


def _facet_rows(best):
    """The facet values of each result's best post, counted in one GROUP BY."""
    b = best.c
    return (
        select(b.kind, b.space, b.platform, b.year, func.count().label("count"))
        .group_by(b.kind, b.space, b.platform, b.year)
        .subquery("facet")
    )


def _page_rows(matching, best, sort: str, page: int, per_page: int):
    """The page's results, each with its best posts (at most grouping.MAX_SHOWN), its size
    and the stored fields snippets need: only the page's results' matches are numbered."""
    b = best.c
    best_order = _order(b, sort)
    chosen = (
        select(b.grp, func.row_number().over(order_by=best_order).label("place"))
        .order_by(*best_order)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .cte("chosen")
    )
    m = matching.c
    numbered = (
        select(m.id, chosen.c.place)
        .add_columns(
            func.row_number().over(partition_by=m.grp, order_by=_order(m, sort)).label("n"),
            func.count().over(partition_by=m.grp).label("size"),
        )
        .join(chosen, chosen.c.grp == m.grp)
        .subquery("numbered")
    )
    t, r = documents.c, numbered.c
    return (
        select(t.id, t.kind, t.post, t.discussion, t.consultation, t.space, t.author)
        .add_columns(t.created, t.heading, t.text, r.size, r.place, r.n)
        .join(numbered, r.id == t.id)
        .where(r.n <= grouping.MAX_SHOWN)
        .subquery("shown")
    )


def _found(
    parsed: Parsed, readable, sort: str, page: int, per_page: int, checked: bool = False
) -> tuple | None:
    """The facet rows and the page's rows, in one statement (one JSON array each), with
    the budget checked first in it and the table's version read beside it: None when the
    table is of another version, unless that was `checked` already. Raises Invalid for a
    query beyond the budget."""
    spent = budget.spent(parsed)
    matching = _matching(parsed, readable, spent)
    best = _best(matching, sort)
    facet = _facet_rows(best)
    shown = _page_rows(matching, best, sort, page, per_page)
    facets = select(func.json_agg(facet.table_valued())).scalar_subquery()
    rows = select(
        func.json_agg(aggregate_order_by(shown.table_valued(), shown.c.place, shown.c.n))
    ).scalar_subquery()
    within = literal(None) if spent is None else select(spent.c.within).scalar_subquery()
    read = select(func.count()).select_from(matching).scalar_subquery()
    current = select(state.c.version).scalar_subquery()
    found = _planned_for_its_words(select(facets, rows, within, read, current))
    if found[4] != VERSION and not checked:
        return None
    budget.check(found[2], found[3])
    return found[0] or [], found[1] or []


def _planned_for_its_words(statement):
    """The statement's row, never sent as a prepared statement: psycopg prepares one after
    a few runs, and PostgreSQL may then plan it once for any words, a plan that misjudges
    how many documents a word has (at 100,000 posts, 46 ms of backend CPU for a common
    word instead of 38). Planned per search, for its words, it costs under a millisecond."""
    connection = db.session.connection(bind_arguments={"clause": statement})
    driver = connection.connection.driver_connection
    kept, driver.prepare_threshold = driver.prepare_threshold, None
    try:
        return connection.execute(statement).one()
    finally:
        driver.prepare_threshold = kept


def _current_found(parsed: Parsed, readable, sort: str, page: int, per_page: int) -> tuple:
    """_found, from a table of this version. When the version read is another, the
    primary's word decides (version.require_current): IndexOutdated (a 503 with the
    rebuild's progress) for an outdated table; an empty one is marked current, and a
    read replica may simply not have replayed the switch yet."""
    found = _found(parsed, readable, sort, page, per_page)
    if found is None:
        version.require_current()
        found = _found(parsed, readable, sort, page, per_page, checked=True)
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


def _marked(parsed: Parsed, texts: list[str]) -> frozenset[str]:
    """The terms snippets mark: the query's words, and what its prefixes matched in the
    shown texts (the Whoosh backend expands a prefix to its words before searching)."""
    terms = {text for _field, text, _weight in scoring_terms(parsed.positive)}
    stems = [term[: -len(PREFIX)] for term in terms if term.endswith(PREFIX)]
    if stems:
        terms |= set().union(*(snippets.prefixed(text, stems) for text in texts))
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
    readable = allowed(scope)
    facet_rows, page_rows = _current_found(parsed, readable, sort, page, per_page)
    found.total, counts = _facets(facet_rows)
    if found.total == 0:  # "did you mean" only then
        found.suggestion = suggestions.suggestion(text, parsed, readable)
    if facets:
        found.facets = counts
    pages = _grouped(page_rows)
    marked = _marked(parsed, [hit["text"] for shown in pages for hit in shown])
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
