from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cop import inputs, policy
from cop.discussions import queries as discussions
from cop.discussions.views import discussion_url
from cop.errors import Invalid, NotFound
from cop.extensions import csrf, db
from cop.notifications import queries, service
from cop.notifications import unsubscribe as unsubscribing
from cop.notifications.models import Notification, NotificationKind
from cop.spaces.models import SpaceKind
from cop.spaces.queries import get_space

bp = Blueprint("notifications", __name__)

PER_PAGE = 30


@bp.get("/notifications")
@login_required
def index():
    page = inputs.page_arg()
    items, total = queries.list_notifications(current_user, (page - 1) * PER_PAGE, PER_PAGE)
    return render_template(
        "notifications/index.html",
        items=items,
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
    )


@bp.get("/notifications/<int:notification_id>")
@login_required
def follow(notification_id: int):
    """Follow a notification (from the list or an email): read it, go to the post."""
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        raise NotFound()
    policy.require(current_user, policy.VIEW, notification)
    service.mark_read(current_user, [notification.id])
    return redirect(target_url(notification))


def target_url(notification: Notification) -> str:
    """Where a notification leads: the module, the live session, the moderation queue
    for a report, or else the post."""
    if notification.module_id is not None:
        return url_for("courses.module", module_id=notification.module_id)
    if notification.live_session_id is not None:
        return url_for("live.session", session_id=notification.live_session_id)
    if notification.kind == NotificationKind.REPORT:
        return url_for("moderation.queue")
    return discussion_url(notification.discussion_id, notification.post_id)


@bp.post("/notifications/choices")
@login_required
def choose():
    """The profile page's choices: the kinds ticked stay on, the others go off."""
    wanted = set()
    for value in request.form.getlist("kind"):
        try:
            wanted.add(NotificationKind(value))
        except ValueError:
            raise Invalid(fields={"kind": _("Unknown kind of notification.")}) from None
    service.choose_kinds(current_user, wanted)
    flash(_("Notification choices saved."), "success")
    return redirect(url_for("accounts.profile", _anchor="notifications"))


@bp.post("/notifications/read")
@login_required
def read_all():
    service.mark_read(current_user)
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


def _wanted() -> bool:
    return request.form.get("subscribed") == "1"


@bp.post("/spaces/<int:space_id>/subscription")
@login_required
def forum_subscription(space_id: int):
    space = get_space(current_user, space_id)
    state = service.subscribe_forum(current_user, space, _wanted())
    if space.kind == SpaceKind.CONSULTATION_DESK:  # followed from the consultations desk
        name = space.community.name
        flash(
            _("You will hear of new consultations of %(community)s.", community=name)
            if state.subscribed
            else _("No more news of consultations of %(community)s.", community=name),
            "success",
        )
        return redirect(url_for("consultations.desk", community_id=space.community_id))
    if space.kind == SpaceKind.COURSE:  # followed from the course page
        flash(
            _("You will hear of new modules of this course.")
            if state.subscribed
            else _("No more news of new modules of this course."),
            "success",
        )
        return redirect(url_for("courses.course", course_id=space.id))
    flash(
        _("You follow this forum.") if state.subscribed else _("You no longer follow this forum."),
        "success",
    )
    return redirect(url_for("spaces.space", space_id=space.id))


@bp.post("/discussions/<int:discussion_id>/subscription")
@login_required
def discussion_subscription(discussion_id: int):
    discussion = discussions.get_discussion(current_user, discussion_id)
    state = service.subscribe_discussion(current_user, discussion, _wanted())
    flash(
        _("You follow this discussion.")
        if state.subscribed
        else _("You no longer follow this discussion."),
        "success",
    )
    return redirect(discussion_url(discussion.id))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the link is the credential: mail programs POST it as it is (RFC 8058)
def unsubscribe(token: str):
    """Without signing in: opening the link asks, a POST (the page's button, or the mail
    program's one-click request) turns that kind of notification off."""
    found = unsubscribing.read(token)
    if found is None:
        raise NotFound()
    user, kind = found
    done = request.method == "POST"
    if done:
        unsubscribing.unsubscribe(user, kind)
    return render_template("notifications/unsubscribe.html", kind=kind, done=done)
