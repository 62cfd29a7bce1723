"""The Whoosh backend's searching: the user's query inside their permission filter, one
page of results (one per discussion or module, cop/search/grouping.py) with highlighted
snippets of their best posts, facet counts and a "did you mean" taken from the words of
what the user may read (offered only when it finds something they may read)."""

import re

from whoosh import query

from cop.discussions import stars
from cop.errors import Invalid
from cop.search import collect, grouping, index, indexer, readings, vocabulary
from cop.search.parse import Parsed, filter_query, parse, word_query
from cop.search.permissions import allowed_docs
from cop.search.results import MAX_PAGE, Hit, Results, match_of
from cop.search.schema import FACETS
from cop.search.scope import search_scope
from cop.search.sources import modules


def _parse(matches: collect.Matches, text: str, user) -> tuple[Parsed, vocabulary.Budget]:
    """The query, its prefixes expanded to what the user may read, `is:starred` to the
    user's own stars, an ambiguous word's readings weighed by the index's use of each
    (cop/search/readings.py), and the budget that paid for the expansion."""
    reader = matches.searcher.reader()
    budget = vocabulary.Budget(reader)
    expand = lambda stem: vocabulary.prefix_terms(matches, budget, stem)  # noqa: E731
    count = lambda forms: sum(reader.doc_frequency("exact", f) for f in forms)  # noqa: E731
    weigh = lambda word: readings.weights(word, count)  # noqa: E731
    return parse(text, expand, lambda: stars.starred_ids(user), weigh), budget


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
    """One page of what the user may read that matches the query. Catches up with a few
    waiting changes first (indexer.catch_up), so the user's own writes are found at once.
    Raises Invalid for a query outside the language's bounds."""
    page = min(max(page, 1), MAX_PAGE)
    indexer.catch_up()
    searcher = index.searcher()
    allowed = allowed_docs(searcher, search_scope(user))
    matches = collect.Matches(searcher, allowed)
    parsed, budget = _parse(matches, text, user)
    if kind:
        parsed.filters.append(filter_query("kind", kind))
    if space_id is not None:
        parsed.filters.append(query.Term("space", str(space_id)))
    if platform_id is not None:
        parsed.filters.append(query.Term("platform", str(platform_id)))
    if year is not None:
        parsed.filters.append(query.Term("year", str(year)))
    if parsed.empty or not allowed:
        return Results(total=0, page=page, per_page=per_page)
    for field_name, term in set(parsed.query().iter_all_terms()):
        budget.spend(field_name, term)
    docs = matches.docs(parsed.query())
    terms = collect.scoring_terms(parsed.positive)
    if sort == "newest":
        created = collect.column(searcher, "created")
        groups = grouping.by_discussion(searcher, docs, lambda d: (created(d), -d))
        ranked = collect.newest(searcher, set(groups), page * per_page)
    else:
        scores = matches.scores(docs, terms)
        groups = grouping.by_discussion(searcher, docs, lambda d: (scores[d], -d))
        ranked = collect.top({d: scores[d] for d in sorted(groups)}, page * per_page)
    marked = frozenset(text for _field, text, _weight in terms)
    found = Results(total=len(groups), page=page, per_page=per_page)
    for _score, best in ranked[(page - 1) * per_page : page * per_page]:
        shown = [searcher.stored_fields(d) for d in groups[best][: grouping.MAX_SHOWN]]
        first = shown[0]
        found.hits.append(
            Hit(
                kind=first["kind"],
                discussion_id=int(first["discussion"]) if first.get("discussion") else None,
                consultation_id=(int(first["consultation"]) if first.get("consultation") else None),
                module_id=modules.module_id(first["id"]),
                title=first["heading"],
                space_id=int(first["space"]),
                matches=[match_of(hit, marked) for hit in shown],
                count=len(groups[best]),
            )
        )
    if facets:
        found.facets = collect.facet_counts(searcher, set(groups), FACETS)
    if found.total == 0:
        found.suggestion = _suggestion(matches, text, parsed, user)
    return found


def _suggestion(matches: collect.Matches, text: str, parsed: Parsed, user) -> str | None:
    """The query with unknown words replaced by close words of what the user may read,
    if that finds something they may read. A word counts as unknown when no document the
    user may read holds it (whether others' documents do changes nothing)."""
    corrected = text
    changed = False
    for word in parsed.words[:3]:
        if matches.docs(word_query(word)):
            continue
        for candidate in vocabulary.corrections(matches, word):
            attempt = re.sub(re.escape(word), candidate, corrected, count=1, flags=re.IGNORECASE)
            try:
                found = matches.docs(_parse(matches, attempt, user)[0].query())
            except Invalid:
                continue
            if found:
                corrected, changed = attempt, True
                break
    return corrected if changed else None
