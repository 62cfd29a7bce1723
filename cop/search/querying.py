"""Searching: the user's query inside their permission filter, one page of results (one
per discussion or module, cop/search/grouping.py) with highlighted snippets of their best
posts, facet counts and a "did you mean" taken from the words of what the user may read
(offered only when it finds something they may read)."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from flask_babel import force_locale, get_locale
from markupsafe import Markup
from whoosh import query

from cop import cpu
from cop.accounts.models import User
from cop.discussions import stars
from cop.errors import Invalid
from cop.extensions import db
from cop.search import collect, grouping, index, indexer, snippets, vocabulary
from cop.search.parse import Parsed, filter_query, parse, word_query
from cop.search.permissions import allowed_docs
from cop.search.schema import FACETS
from cop.search.scope import search_scope
from cop.search.sources import modules

MAX_PAGE = 100
SORTS = ("relevance", "newest")
YEARS = (1900, 9999)  # the year filter's bounds


@dataclass
class Match:
    """One matching post (or a module's text) of a result."""

    post_id: int | None
    author_id: int
    snippet: Markup
    created: datetime


@dataclass
class Hit:
    """One result: a discussion (consultation, Q&A archive) or a course module, with its
    best-matching posts first (at most grouping.MAX_SHOWN) and how many posts match."""

    kind: str
    discussion_id: int | None
    consultation_id: int | None
    module_id: int | None
    title: str
    space_id: int
    matches: list[Match]
    count: int

    @property
    def post_id(self) -> int | None:
        return self.matches[0].post_id

    @property
    def snippet(self) -> Markup:
        return self.matches[0].snippet

    @property
    def created(self) -> datetime:
        return self.matches[0].created


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
    """The hit's text around its matches, as readers see it (rendered, without Markdown's
    syntax). An opening post's (or module's) text starts with the title, which the result
    shows as its heading: the snippet is taken from the body."""
    text = hit["text"]
    title = f"{hit['heading']}\n\n"
    if text.startswith(title):
        text = text[len(title) :]
    elif text == hit["heading"]:
        text = ""
    text = snippets.plain(text)
    return snippets.snippet(text, terms) or snippets.opening(text)


def _match(hit: dict, terms: frozenset[str]) -> Match:
    return Match(
        post_id=int(hit["post"]) if hit.get("post") else None,
        author_id=int(hit["author"]),
        snippet=_snippet(hit, terms),
        created=hit["created"].replace(tzinfo=UTC),
    )


def _parse(matches: collect.Matches, text: str, user) -> tuple[Parsed, vocabulary.Budget]:
    """The query, its prefixes expanded to what the user may read, `is:starred` to the
    user's own stars, and the budget that paid for the expansion."""
    budget = vocabulary.Budget(matches.searcher.reader())

    def starred() -> list[int]:
        return stars.starred_ids(user.id) if user.is_authenticated else []

    expand = lambda stem: vocabulary.prefix_terms(matches, budget, stem)  # noqa: E731
    return parse(text, expand, starred), budget


def search(user, text: str, **options) -> Results:
    """One page of what the user may read that matches the query (see _search; the
    options are its keywords). In a server, searched in a cop.cpu worker process, so
    that a broad query does not hold the event loop. Raises Invalid for a query outside
    the language's bounds."""
    if not cpu.started():
        return _search(user, text, **options)
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    outcome, value = cpu.run(_search_as, user_id, str(get_locale()), text, options)
    if outcome == "invalid":
        raise Invalid(value[0], fields=value[1])
    return value


def _search_as(user_id: int | None, locale: str, text: str, options: dict) -> tuple:
    """_search in a cop.cpu worker: ("ok", results) or ("invalid", (message, fields))
    (an exception's own arguments would not carry its fields across)."""
    if user_id is None:
        user = current_app.login_manager.anonymous_user()
    else:
        user = db.session.get(User, user_id)
    with force_locale(locale):
        try:
            return "ok", _search(user, text, **options)
        except Invalid as invalid:
            return "invalid", (invalid.message and str(invalid.message), invalid.fields)


def _search(
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
                matches=[_match(hit, marked) for hit in shown],
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
