from datetime import datetime
from typing import Literal

from flask import Blueprint
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from cop import rate_limits
from cop.inputs import Id
from cop.jsonapi import Output, endpoint
from cop.search.facets import hit_url, labelled
from cop.search.parse import KINDS
from cop.search.querying import MAX_PAGE, YEARS, search

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


class SearchHitOut(Output):
    kind: str
    id: int = Field(description="The post's id, or the course module's")
    discussion_id: int | None
    consultation_id: int | None
    module_id: int | None
    title: str
    snippet: str = Field(description="HTML: escaped text with <mark> around matches")
    url: str
    created_at: datetime
    space_id: int


class FacetValueOut(Output):
    value: str
    label: str
    count: int


class SearchOut(Output):
    total: int
    page: int
    per_page: int
    items: list[SearchHitOut]
    facets: dict[str, list[FacetValueOut]] = Field(
        description="Counts by kind, space, platform and year, of what the user may read"
    )
    did_you_mean: str | None


@endpoint(
    bp,
    "/search",
    summary="Search what the user may read",
    query=SearchQuery,
    response=SearchOut,
    auth=False,
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
                "created_at": hit.created,
                "space_id": hit.space_id,
            }
            for hit in results.hits
        ],
        "facets": labelled(results),
        "did_you_mean": results.suggestion,
    }
