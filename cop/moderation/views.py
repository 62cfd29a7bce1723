from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cop import inputs, policy
from cop.discussions.queries import get_discussion, get_post
from cop.errors import AppError, Forbidden
from cop.moderation import log, queries, service, split
from cop.spaces.queries import get_space

bp = Blueprint("moderation", __name__)


def _back(post) -> str:
    return url_for("discussions.post", post_id=post.id)


@bp.route("/posts/<int:post_id>/report", methods=["GET", "POST"])
@login_required
def report(post_id: int):
    post = get_post(current_user, post_id)
    policy.require(current_user, "report", post)
    error = None
    if request.method == "POST":
        try:
            service.report_post(current_user, post, request.form.get("reason", ""))
        except AppError as exc:
            error = exc.summary()
        else:
            flash(_("Thank you. The moderators will look at it."), "success")
            return redirect(_back(post))
    return render_template("moderation/report.html", post=post, error=error)


@bp.post("/posts/<int:post_id>/hide")
@login_required
def hide(post_id: int):
    post = get_post(current_user, post_id)
    if request.form.get("restore") == "1":
        service.restore_post(current_user, post)
    else:
        service.hide_post(current_user, post)
    return redirect(
        request.form.get("back") == "queue" and url_for("moderation.queue") or _back(post)
    )


@bp.post("/posts/<int:post_id>/dismiss")
@login_required
def dismiss(post_id: int):
    service.dismiss_reports(current_user, get_post(current_user, post_id))
    return redirect(url_for("moderation.queue"))


@bp.post("/discussions/<int:discussion_id>/move")
@login_required
def move(discussion_id: int):
    discussion = get_discussion(current_user, discussion_id)
    target = get_space(current_user, inputs.id_arg("space_id", request.form) or 0)
    service.move_discussion(current_user, discussion, target)
    flash(_("The discussion was moved."), "success")
    return redirect(url_for("discussions.discussion", discussion_id=discussion.id))


@bp.get("/moderation")
@login_required
def queue():
    return render_template("moderation/queue.html", reports=queries.list_open_reports(current_user))


@bp.get("/moderation/audit")
@login_required
def audit():
    if not policy.can(current_user, policy.MODERATE, policy.SITE):
        raise Forbidden()
    lines = log.lines(current_user, queries.list_audit())
    return render_template("moderation/audit.html", lines=lines)


@bp.route("/posts/<int:post_id>/split", methods=["GET", "POST"])
@login_required
def split_page(post_id: int):
    """Moderators make a reply and its replies a discussion of their own."""
    post = get_post(current_user, post_id)
    policy.require(current_user, policy.MODERATE, post.discussion)
    error = None
    if request.method == "POST":
        try:
            discussion = split.split_discussion(current_user, post, request.form.get("title", ""))
        except AppError as exc:
            error = exc.summary()
        else:
            flash(_("The replies are a discussion of their own now."), "success")
            return redirect(url_for("discussions.discussion", discussion_id=discussion.id))
    return render_template("moderation/split.html", post=post, error=error)
