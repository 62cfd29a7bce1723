"""Searching: the user's query inside their permission filter, one page of hits with
highlighted snippets, facet counts and a "did you mean" taken from the words of what the
user may read (offered only when it finds something they may read)."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from markupsafe import Markup
from whoosh import query

from cop.errors import Invalid
from cop.search import collect, index, indexer, snippets, vocabulary
from cop.search.parse import Parsed, filter_query, parse, word_query
from cop.search.permissions import allowed_docs
from cop.search.schema import FACETS
from cop.search.scope import search_scope
from cop.search.sources import modules

MAX_PAGE = 100
SORTS = ("relevance", "newest")
YEARS = (1900, 9999)  # the year filter's bounds


@dataclass
class Hit:
    kind: str
    post_id: int | None
    discussion_id: int | None
    consultation_id: int | None
    module_id: int | None
    title: str
    snippet: Markup
    created: datetime
    space_id: int


@dataclass
class Results:
    total: int
    page: int
    per_page: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=lambda: {f: {} for f in FACETS})
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        return min(max(1, -(-self.total // self.per_page)), MAX_PAGE)


def _snippet(hit: dict, terms: frozenset[str]) -> Markup:
    """The hit's text around its matches. An opening post's (or module's) text starts with
    the title, which the hit shows as its heading: the snippet is taken from the body."""
    text = hit["text"]
    title = f"{hit['heading']}\n\n"
    if text.startswith(title):
        text = text[len(title) :]
    elif text == hit["heading"]:
        text = ""
    return snippets.snippet(text, terms) or snippets.opening(text)


def _parse(matches: collect.Matches, text: str) -> tuple[Parsed, vocabulary.Budget]:
    """The query, its prefixes expanded to what the user may read, and the budget that
    paid for the expansion."""
    budget = vocabulary.Budget(matches.searcher.reader())
    return parse(text, lambda stem: vocabulary.prefix_terms(matches, budget, stem)), budget


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
    """One page of what the user may read that matches the query. Drains the outbox first
    (unless another process is at it), so the user's own writes are found at once.
    Raises Invalid for a query outside the language's bounds."""
    page = min(max(page, 1), MAX_PAGE)
    indexer.drain(wait=False)
    searcher = index.searcher()
    allowed = allowed_docs(searcher, search_scope(user))
    matches = collect.Matches(searcher, allowed)
    parsed, budget = _parse(matches, text)
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
        ranked = collect.newest(searcher, docs, page * per_page)
    else:
        ranked = collect.top(matches.scores(docs, terms), page * per_page)
    marked = frozenset(text for _field, text in terms)
    found = Results(total=len(docs), page=page, per_page=per_page)
    for _score, doc in ranked[(page - 1) * per_page : page * per_page]:
        hit = searcher.stored_fields(doc)
        found.hits.append(
            Hit(
                kind=hit["kind"],
                post_id=int(hit["post"]) if hit.get("post") else None,
                discussion_id=int(hit["discussion"]) if hit.get("discussion") else None,
                consultation_id=int(hit["consultation"]) if hit.get("consultation") else None,
                module_id=modules.module_id(hit["id"]),
                title=hit["heading"],
                snippet=_snippet(hit, marked),
                created=hit["created"].replace(tzinfo=UTC),
                space_id=int(hit["space"]),
            )
        )
    if facets:
        found.facets = collect.facet_counts(searcher, docs, FACETS)
    if found.total == 0:
        found.suggestion = _suggestion(matches, text, parsed)
    return found


def _suggestion(matches: collect.Matches, text: str, parsed: Parsed) -> str | None:
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
                found = matches.docs(_parse(matches, attempt)[0].query())
            except Invalid:
                continue
            if found:
                corrected, changed = attempt, True
                break
    return corrected if changed else None
