from datetime import datetime
from typing import Literal

from flask import Blueprint
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from cop import rate_limits
from cop.inputs import Id
from cop.jsonapi import Output, endpoint
from cop.search.backend import search
from cop.search.facets import hit_url, labelled, names, thread_url
from cop.search.parse import KINDS
from cop.search.results import MAX_PAGE, YEARS

bp = Blueprint("search", __name__)


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str = Field(
        "",
        max_length=500,
        description='Words, "phrases", OR, -exclusion, word* and filters: author:, in:, '
        "kind:, status:, platform:, community:, before:, after: (YYYY-MM-DD)",
    )
    kind: Literal[KINDS] | None = None  # type: ignore[valid-type]
    space_id: Id | None = None
    platform_id: Id | None = Field(None, description="A thematic platform's id")
    year: int | None = Field(None, ge=YEARS[0], le=YEARS[1])
    sort: Literal["relevance", "newest"] = "relevance"
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(10, ge=1, le=50)


class SearchPostOut(Output):
    id: int | None = Field(description="The post's id (none for a course module)")
    snippet: str = Field(
        description="HTML: the rendered text (no Markdown syntax), escaped, with <mark> "
        "around matches"
    )
    url: str
    author_id: int
    author: str = Field(description="The author's display name")
    created_at: datetime


class SearchHitOut(Output):
    kind: str
    id: int = Field(description="The best-matching post's id, or the course module's")
    discussion_id: int | None
    consultation_id: int | None
    module_id: int | None
    title: str
    snippet: str = Field(description="The best-matching post's snippet (as in `posts`)")
    url: str = Field(description="The best-matching post")
    discussion_url: str = Field(description="The whole discussion, consultation or module")
    created_at: datetime = Field(description="When the best-matching post was written")
    space_id: int
    space: str = Field(description="The space's title")
    matching_posts: int = Field(description="How many of the discussion's posts match")
    posts: list[SearchPostOut] = Field(
        description="The best-matching posts, best first (or newest first), at most 3"
    )


class FacetValueOut(Output):
    value: str
    label: str
    count: int


class SearchOut(Output):
    total: int = Field(
        description="How many results: one per discussion (consultation, Q&A archive) or "
        "course module with a matching text, however many of its posts match"
    )
    page: int
    per_page: int
    items: list[SearchHitOut] = Field(description="One per discussion or module")
    facets: dict[str, list[FacetValueOut]] = Field(
        description="Results (discussions or modules) by kind, space, platform and year "
        "(a result's year is its best-matching post's), of what the user may read"
    )
    did_you_mean: str | None


@endpoint(
    bp,
    "/search",
    summary="Search what the user may read",
    query=SearchQuery,
    response=SearchOut,
    auth=False,
    errors=(503,),
)
def search_api(params: SearchQuery):
    if params.q.strip():
        rate_limits.hit("COP_SEARCH_LIMIT", "search", rate_limits.requester(current_user))
    results = search(
        current_user,
        params.q,
        kind=params.kind,
        space_id=params.space_id,
        platform_id=params.platform_id,
        year=params.year,
        sort=params.sort,
        page=params.page,
        per_page=params.per_page,
    )
    authors, spaces, _erased = names(results)
    return {
        "total": results.total,
        "page": results.page,
        "per_page": results.per_page,
        "items": [
            {
                "kind": hit.kind,
                "id": hit.post_id if hit.module_id is None else hit.module_id,
                "discussion_id": hit.discussion_id,
                "consultation_id": hit.consultation_id,
                "module_id": hit.module_id,
                "title": hit.title,
                "snippet": str(hit.snippet),
                "url": hit_url(hit),
                "discussion_url": thread_url(hit),
                "created_at": hit.created,
                "space_id": hit.space_id,
                "space": spaces.get(hit.space_id, ""),
                "matching_posts": hit.count,
                "posts": [
                    {
                        "id": match.post_id,
                        "snippet": str(match.snippet),
                        "url": hit_url(hit, match),
                        "author_id": match.author_id,
                        "author": authors.get(match.author_id, ""),
                        "created_at": match.created,
                    }
                    for match in hit.matches
                ],
            }
            for hit in results.hits
        ],
        "facets": labelled(results),
        "did_you_mean": results.suggestion,
    }
