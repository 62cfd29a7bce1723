from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from cop import inputs, rate_limits
from cop.errors import Invalid, Unavailable
from cop.paging import Pager
from cop.search.backend import search
from cop.search.facets import FACET_LABELS, KIND_LABELS, hit_url, labelled, names, thread_url
from cop.search.parse import KINDS
from cop.search.results import SORTS, YEARS, Results

bp = Blueprint("search", __name__)


def _params() -> dict:
    kind = request.args.get("kind")
    year = request.args.get("year", type=int)
    sort = request.args.get("sort")
    return {
        "q": request.args.get("q", "")[:1000],
        "kind": kind if kind in KINDS else None,
        "space_id": inputs.id_arg("space_id"),
        "platform_id": inputs.id_arg("platform_id"),
        "year": year if year and YEARS[0] <= year <= YEARS[1] else None,
        "sort": sort if sort in SORTS else "relevance",
    }


@bp.get("/search")
def search_page():
    params = _params()
    page = inputs.page_arg()
    error, status, retry = None, 200, []
    if params["q"].strip():
        rate_limits.hit("COP_SEARCH_LIMIT", "search", rate_limits.requester(current_user))
    try:
        results = search(
            current_user,
            params["q"],
            kind=params["kind"],
            space_id=params["space_id"],
            platform_id=params["platform_id"],
            year=params["year"],
            sort=params["sort"],
            page=page,
        )
    except Invalid as invalid:
        error, status = str(invalid), 422
        results = Results(total=0, page=1, per_page=10)
    except Unavailable as unavailable:  # an index being rebuilt (how far), or search busy
        error, status, retry = str(unavailable), 503, unavailable.headers()
        results = Results(total=0, page=1, per_page=10)

    def link(**changes) -> str:
        args = {k: v for k, v in {**params, "page": None, **changes}.items() if v}
        if args.get("sort") == "relevance":
            args.pop("sort")
        return url_for("search.search_page", **args)

    authors, spaces, erased = names(results)
    return (
        render_template(
            "search/search.html",
            authors=authors,
            erased=erased,
            spaces=spaces,
            thread_url=thread_url,
            params=params,
            results=results,
            facets=labelled(results),
            facet_labels=FACET_LABELS,
            kind_labels=KIND_LABELS,
            hit_url=hit_url,
            link=link,
            pager=Pager(results.page, results.pages, lambda n: link(page=n)),
            error=error,
            invalid=status == 422,
        ),
        status,
        retry,
    )
