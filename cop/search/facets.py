"""What the page and the API show for a result and a facet: links, names and labels."""

from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cop.accounts.erasure import PLACEHOLDER
from cop.accounts.models import User
from cop.extensions import db
from cop.orgs.models import ThematicPlatform
from cop.search.results import Hit, Match, Results
from cop.spaces.models import Space

KIND_LABELS = {
    "discussion": _l("Discussions"),
    "consultation": _l("Consultations"),
    "live": _l("Live Q&A"),
    "module": _l("Course modules"),
}
FACET_LABELS = {
    "kind": _l("Kind"),
    "space": _l("Space"),
    "platform": _l("Thematic platform"),
    "year": _l("Year"),
}


def hit_url(hit: Hit, match: Match | None = None) -> str:
    """The link to one of the result's matching posts (its best one by default)."""
    post_id = (match or hit.matches[0]).post_id
    if hit.module_id is not None:
        return url_for("courses.module", module_id=hit.module_id)
    if hit.consultation_id is not None:
        return url_for(
            "consultations.consultation",
            consultation_id=hit.consultation_id,
            _anchor=f"post-{post_id}",
        )
    return url_for("discussions.post", post_id=post_id)


def thread_url(hit: Hit) -> str:
    """The whole discussion (consultation, module) of a result."""
    if hit.module_id is not None:
        return url_for("courses.module", module_id=hit.module_id)
    if hit.consultation_id is not None:
        return url_for("consultations.consultation", consultation_id=hit.consultation_id)
    return url_for("discussions.discussion", discussion_id=hit.discussion_id)


def names(results: Results) -> tuple[dict[int, str], dict[int, str], set[int]]:
    """The display names of the shown posts' authors, the titles of the results' spaces
    and which authors are erased (named by the placeholder, without a profile), in two
    queries."""
    author_ids = {m.author_id for hit in results.hits for m in hit.matches}
    space_ids = {hit.space_id for hit in results.hits}
    if not results.hits:
        return {}, {}, set()
    rows = db.session.execute(
        select(User.id, User.display_name, User.erased_at).where(User.id.in_(author_ids))
    ).all()
    erased = {row.id for row in rows if row.erased_at is not None}
    authors = {row.id: str(PLACEHOLDER) if row.id in erased else row.display_name for row in rows}
    spaces = db.session.execute(select(Space.id, Space.title).where(Space.id.in_(space_ids)))
    return authors, dict(spaces.all()), erased


def labelled(results: Results) -> dict[str, list[dict]]:
    """Each facet's values with labels and counts, largest first. Space and platform
    names come from the database (the index keeps ids only), in two queries."""
    space_ids = [int(v) for v in results.facets.get("space", {})]
    platform_ids = [int(v) for v in results.facets.get("platform", {}) if v.isdigit()]
    spaces = dict(
        db.session.execute(select(Space.id, Space.title).where(Space.id.in_(space_ids))).all()
    )
    locale = str(get_locale() or "uk")
    platforms = {
        p.id: p.name(locale)
        for p in db.session.scalars(
            select(ThematicPlatform).where(ThematicPlatform.id.in_(platform_ids))
        )
    }
    names = {
        "kind": lambda v: str(KIND_LABELS.get(v, v)),
        "space": lambda v: spaces.get(int(v), v),
        "platform": lambda v: platforms.get(int(v), v),
        "year": lambda v: v,
    }
    out = {}
    for facet, counts in results.facets.items():
        rows = [
            {"value": value, "label": names[facet](value), "count": count}
            for value, count in counts.items()
        ]
        rows.sort(key=lambda r: (-r["count"], str(r["label"])))
        if facet == "year":
            rows.sort(key=lambda r: r["value"], reverse=True)
        out[facet] = rows
    return out
