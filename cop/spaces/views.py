from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from cop import events, inputs, policy
from cop.guest_cache import guest_cached
from cop.spaces import queries
from cop.spaces.events import PAGE_CONTEXT
from cop.spaces.models import SpaceKind

bp = Blueprint("spaces", __name__)

PER_PAGE = 50


def space_url(space) -> str:
    """The page a space opens on: a course and a consultation desk have their own; the
    others (forums, expert rooms, live spaces) are shown by `space`."""
    if space.kind == SpaceKind.COURSE:
        return url_for("courses.course", course_id=space.id)
    if space.kind == SpaceKind.CONSULTATION_DESK:
        return url_for("consultations.desk", community_id=space.community_id)
    return url_for("spaces.space", space_id=space.id)


@bp.get("/")
@guest_cached
def dashboard():
    if not current_user.is_authenticated:  # guests: the guest page cache keeps the page
        communities = []
        mine = []
        spaces, _total = queries.list_spaces(current_user, limit=PER_PAGE)
    else:
        communities, mine, spaces = queries.dashboard_lists(current_user, PER_PAGE)
    return render_template(
        "spaces/dashboard.html",
        my_spaces=mine,
        communities=communities,
        spaces=spaces,
        unread=queries.unread_counts(current_user, [s.id for s in mine + spaces]),
    )


@bp.get("/spaces")
@guest_cached
def space_list():
    kind = request.args.get("kind")
    kind = SpaceKind(kind) if kind in set(SpaceKind) else None
    page = inputs.page_arg()
    spaces, total = queries.list_spaces(current_user, kind, (page - 1) * PER_PAGE, PER_PAGE)
    return render_template(
        "spaces/list.html",
        spaces=spaces,
        unread=queries.unread_counts(current_user, [s.id for s in spaces]),
        total=total,
        kind=kind,
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        kinds=list(SpaceKind),
    )


@bp.get("/spaces/<int:space_id>")
@guest_cached
def space(space_id: int):
    space = queries.get_space(current_user, space_id, kept=True)
    if space.kind in (SpaceKind.COURSE, SpaceKind.CONSULTATION_DESK):
        return redirect(space_url(space))
    members = []
    if policy.can(current_user, policy.MANAGE, space):
        members = queries.list_members(space)
    page = inputs.page_arg()
    context = {"forum": None, "follow": None}  # what the features living here add
    for answer in events.ask(PAGE_CONTEXT, current_user, space, page, PER_PAGE):
        context.update(answer)
    return render_template("spaces/space.html", space=space, members=members, **context)
