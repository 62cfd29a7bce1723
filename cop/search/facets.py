"""What the page and the API show for a hit and a facet: its link and readable labels."""

from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cop.extensions import db
from cop.orgs.models import ThematicPlatform
from cop.search.querying import Hit, Results
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


def hit_url(hit: Hit) -> str:
    if hit.module_id is not None:
        return url_for("courses.module", module_id=hit.module_id)
    if hit.consultation_id is not None:
        return url_for(
            "consultations.consultation",
            consultation_id=hit.consultation_id,
            _anchor=f"post-{hit.post_id}",
        )
    return url_for("discussions.post", post_id=hit.post_id)


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
