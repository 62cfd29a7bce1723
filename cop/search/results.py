"""What a search answers, whichever backend found it: one page of results (one per
discussion or module, cop/search/grouping.py), each with snippets of its best posts, facet
counts and a "did you mean"."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from markupsafe import Markup

from cop.search import snippets
from cop.search.schema import FACETS
from cop.text import plain_text

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
    text = plain_text(text)
    return snippets.snippet(text, terms) or snippets.opening(text)


def match_of(hit: dict, terms: frozenset[str]) -> Match:
    return Match(
        post_id=int(hit["post"]) if hit.get("post") else None,
        author_id=int(hit["author"]),
        snippet=_snippet(hit, terms),
        created=hit["created"].replace(tzinfo=UTC),
    )
