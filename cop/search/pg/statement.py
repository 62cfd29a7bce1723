"""The PostgreSQL search's own statement: the budget's count of words, then, within it,
the allowed matches from the GIN index (at most one past the documents the budget allows),
ranked once, sorted once to find each result's best post, the facet counts and the page
from those, and the table's version.

Its values are bound when it is sent (`values`): the query's tsquery, the ranks', the
budget's patterns and the page. A query of words only (the common kind) is then the same
statement for every reader of one scope, sort and number of rank passes, and is built
once and kept (`of_words`): building it took a third of cop's CPU in a rare word's
search. A query with filters, exclusions or dates has them built in (`built`)."""

import functools

from sqlalchemy import REAL, Integer, Text, and_, bindparam, cast, func, literal, select, true
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, aggregate_order_by, distinct_on

from cop.search import grouping
from cop.search.permissions import permission_query
from cop.search.pg import budget
from cop.search.pg.table import documents, state
from cop.search.pg.tsquery import condition

# ts_rank's weights for D (derived nouns), C (unused), B (body) and A (title), and its
# normalisation 1: the rank divided by 1 + log(the document's length), as BM25 favours
# a short text that is about the word over a long one that mentions it. ts_rank rather
# than ts_rank_cd: the recall set ranks the same with either (docs/search.md), and at
# 100,000 posts the cover density cost a common word's search a quarter of its time.
WEIGHTS = [0.1, 0.2, 0.4, 1.0]
NORMALISATION = 1
KEPT = 256  # statements (and readers' permission conditions) kept per process

WORDS = documents.c.vector.op("@@", is_comparison=True)(
    cast(bindparam("words", type_=Text), TSQUERY)
)


def values(
    words: str | None, ranked: list[str], likes: list | None, page: int, per_page: int
) -> dict:
    """The values the statement is sent with: the query's tsquery (when it is of words
    only), one tsquery per rank pass, the budget's patterns and the page."""
    return {
        "words": words,
        **{f"rank{n}": tsquery for n, tsquery in enumerate(ranked)},
        **budget.values(likes),
        "read_limit": budget.documents() + 1,
        "skip": (page - 1) * per_page,
        "per_page": per_page,
    }


@functools.lru_cache(maxsize=KEPT)
def allowed(scope):
    """The reader's permission query as SQL (the scope comes from the policy's SQL read
    conditions, cop/policy.py's SearchScope), built once per scope and process: a scope
    is a frozen value, and a change of what someone may read gives them a new one."""
    return condition(permission_query(scope))


@functools.lru_cache(maxsize=KEPT)
def of_words(scope, passes: int, budgeted: bool, sort: str):
    """The statement of a query of words only (`WORDS`), kept per shape."""
    return built(WORDS, scope, passes, budgeted, sort)


def built(where, scope, passes: int, budgeted: bool, sort: str):
    """The statement: facet rows and the page's rows (one JSON array each), the budget's
    verdict, the documents read and the table's version, in one row."""
    spent = budget.spent() if budgeted else None
    matching = _matching(where, allowed(scope), passes, spent)
    best = _best(matching, sort)
    facet = _facet_rows(best)
    shown = _page_rows(matching, best, sort)
    facets = select(func.json_agg(facet.table_valued())).scalar_subquery()
    rows = select(
        func.json_agg(aggregate_order_by(shown.table_valued(), shown.c.place, shown.c.n))
    ).scalar_subquery()
    within = literal(None) if spent is None else select(spent.c.within).scalar_subquery()
    read = select(func.count()).select_from(matching).scalar_subquery()
    current = select(state.c.version).scalar_subquery()
    return select(facets, rows, within, read, current)


def _rank(passes: int):
    """The sum of the rank passes (see searching.ranked), each against its bound tsquery."""
    if not passes:
        return literal(0.0)
    ranks = [
        func.ts_rank(
            cast(WEIGHTS, ARRAY(REAL)),
            documents.c.vector,
            cast(bindparam(f"rank{n}", type_=Text), TSQUERY),
            NORMALISATION,
        )
        for n in range(passes)
    ]
    return sum(ranks[1:], ranks[0])


def _matching(where, readable, passes: int, spent):
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
        select(t.id, t.kind, t.space, t.platform, t.year, t.created, _rank(passes).label("score"))
        .add_columns(result.label("grp"))
        .where(and_(within, where, readable))
        .limit(bindparam("read_limit", type_=Integer))
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


def _page_rows(matching, best, sort: str):
    """The page's results, each with its best posts (at most grouping.MAX_SHOWN), its size
    and the stored fields snippets need: only the page's results' matches are numbered."""
    b = best.c
    best_order = _order(b, sort)
    chosen = (
        select(b.grp, func.row_number().over(order_by=best_order).label("place"))
        .order_by(*best_order)
        .offset(bindparam("skip", type_=Integer))
        .limit(bindparam("per_page", type_=Integer))
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
