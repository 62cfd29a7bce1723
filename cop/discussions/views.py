from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cop import events, inputs, policy, rate_limits
from cop.attachments import queries as attachment_queries
from cop.attachments.service import FIELD
from cop.db import utcnow
from cop.discussions import groups, queries, service, stars, tags, threshold, timing
from cop.discussions.events import PAGE_CONTEXT, PAGE_ELSEWHERE
from cop.discussions.export import export, export_csv
from cop.discussions.forms import (
    DiscussionForm,
    EditForm,
    ForumSettingsForm,
    ReplyForm,
    fresh_key,
    offer_files,
)
from cop.discussions.models import (
    ForumType,
    GroupMode,
    ReadTracking,
    SubscriptionMode,
    settings_of,
)
from cop.discussions.page_posts import posts_part
from cop.discussions.participation import ParticipationQuery, participation
from cop.discussions.participation_chart import participation_chart
from cop.discussions.participation_csv import participation_csv
from cop.discussions.reply_box import reply_fields
from cop.errors import AppError, Conflict, Invalid, NotFound, StaleEdit
from cop.extensions import db
from cop.forms import apply_errors, options, refusal_status
from cop.guest_cache import guest_cached
from cop.i18n import current_locale
from cop.jsonapi import parse_query
from cop.labels import choices
from cop.limits import accepts_uploads
from cop.paging import Pager
from cop.spaces.queries import get_space, list_spaces

bp = Blueprint("discussions", __name__)

MODES = ("oldest", "newest", "threaded", "nested")
DEFAULT_MODE = "nested"
MB = 1024 * 1024


def posted_files():
    return request.files.getlist(FIELD)


def discussion_url(discussion_id: int, post_id: int | None = None, **args) -> str:
    """A discussion's first page, or a post's permalink, which finds the page holding it."""
    if post_id:
        return url_for("discussions.post", post_id=post_id, **args)
    return url_for("discussions.discussion", discussion_id=discussion_id, **args)


def page_url(discussion_id: int, mode: str, page: int, anchor: str | None = None) -> str:
    return url_for(
        "discussions.discussion",
        discussion_id=discussion_id,
        mode=None if mode == DEFAULT_MODE else mode,
        page=None if page == 1 else page,
        _anchor=anchor,
    )


def _mode() -> str:
    mode = request.args.get("mode", DEFAULT_MODE)
    return mode if mode in MODES else DEFAULT_MODE


@bp.route("/spaces/<int:space_id>/discussions/new", methods=["GET", "POST"])
@accepts_uploads
@login_required
def new_discussion(space_id: int):
    space = get_space(current_user, space_id)
    policy.require(current_user, policy.POST, space)
    form = DiscussionForm()
    communities = service.community_choices(current_user, space)
    if communities is None:
        del form.community_id
    else:
        form.community_id.choices = options(communities)
    offer_files(form, space)
    if not groups.may_post_to_all_groups(current_user, space):
        del form.all_groups
    refusal = None
    if form.validate_on_submit():
        try:
            rate_limits.posting(current_user)
            if form.all_groups and form.all_groups.data:
                made = groups.start_in_every_group(
                    current_user, space, title=form.title.data, body=form.body.data
                )
                flash(_("Posted once for each group: %(n)s discussions.", n=len(made)), "success")
                return redirect(url_for("spaces.space", space_id=space.id))
            discussion = service.start_discussion(
                current_user,
                space,
                title=form.title.data,
                body=form.body.data,
                community_id=form.community_id.data if communities is not None else None,
                tags=tags.split_tags(form.tags.data),
                idempotency_key=form.idempotency_key.data,
                files=posted_files(),
                mail_now=form.mail_now.data,
            )
        except AppError as error:
            apply_errors(form, error)
            refusal = error
        else:
            return redirect(discussion_url(discussion.id))
    page = render_template(
        "discussions/new.html",
        space=space,
        form=form,
        posting_warning=threshold.warning(threshold.standing(current_user, space)),
    )
    return page, *refusal_status(refusal)


@bp.get("/discussions/<int:discussion_id>")
@guest_cached
def discussion(discussion_id: int):
    discussion = queries.get_discussion(current_user, discussion_id)
    for elsewhere in events.ask(PAGE_ELSEWHERE, discussion):  # a consultation has its page
        if elsewhere:
            return redirect(elsewhere)
    mode = _mode()
    can_reply = policy.can(current_user, policy.REPLY, discussion)
    can_moderate = policy.can(current_user, policy.MODERATE, discussion)
    posts = posts_part(
        current_user, discussion, mode, inputs.page_arg(), can_reply, can_moderate, page_url
    )
    can_reply_privately = can_reply and policy.can(current_user, "reply_privately", discussion)
    reply_box = posting_warning = None
    if can_reply:
        reply_box = reply_fields(discussion.space, can_reply_privately)
        posting_warning = threshold.warning(threshold.standing(current_user, discussion.space))
    html = render_template(
        "discussions/discussion.html",
        discussion=discussion,
        space=discussion.space,
        posts=posts.markup(),
        first_id=posts.first_id,
        mode=mode,
        modes=MODES,
        first_unread_url=_first_unread_url(posts.new_here, posts.unread_elsewhere, mode),
        reply_box=reply_box,
        idempotency_key=fresh_key(),
        posting_warning=posting_warning,
        can_reply=can_reply,
        can_moderate=can_moderate,
        move_targets=_move_targets(discussion) if can_moderate else [],
        qanda_rule=queries.qanda_rule(current_user, discussion),
        edit_minutes=current_app.config["COP_EDIT_WINDOW_MINUTES"],
        starred=stars.is_starred(current_user, discussion.id),
        **_page_context(discussion),
    )
    until = _read_until(discussion, posts.new_here, posts.unread_elsewhere)
    if until is not None:  # after rendering, so the markers show what was new
        service.mark_read(current_user, discussion, until=until)
    return html


def _page_context(discussion) -> dict:
    """What other features show on the page (whether one follows it, where it was
    published from), asked with the PAGE_CONTEXT hook."""
    context = {}
    for more in events.ask(PAGE_CONTEXT, current_user, discussion):
        context.update(more)
    return context


def _read_until(discussion, new_here, elsewhere):
    """How far this page moves the signed-in user's read mark: to now, or, when an
    unread post is on another page, to just before it; None when nothing new is shown."""
    if not current_user.is_authenticated or not new_here:
        return None
    if elsewhere is None:
        return max(discussion.last_post_at, utcnow())
    moment = elsewhere.created_at - timedelta(microseconds=1)
    # an unread post shown here and older than that one: the mark moves past it
    return moment if any(p.created_at <= moment for p in new_here) else None


def _first_unread_url(new_here, elsewhere, mode: str) -> str | None:
    """Where the oldest unread post is: on this page, or (its permalink) on another."""
    first = min(new_here, key=lambda p: (p.created_at, p.id), default=None)
    if elsewhere is not None and (
        first is None or (elsewhere.created_at, elsewhere.id) < (first.created_at, first.id)
    ):
        mode = None if mode == DEFAULT_MODE else mode
        return discussion_url(elsewhere.discussion_id, elsewhere.id, mode=mode)
    return f"#post-{first.id}" if first else None


@bp.get("/posts/<int:post_id>")
def post(post_id: int):
    """A post's permalink: the page of the discussion that holds it, at the post."""
    post = queries.get_post(current_user, post_id)
    mode, page = queries.page_of(current_user, post, _mode())
    return redirect(page_url(post.discussion_id, mode, page, anchor=f"post-{post.id}"))


@bp.get("/discussions/<int:discussion_id>/unread")
@login_required
def first_unread(discussion_id: int):
    """The oldest post the user has not read yet (the discussion's start if none)."""
    discussion = queries.get_discussion(current_user, discussion_id)
    post = queries.first_unread(current_user, discussion)
    return redirect(discussion_url(discussion.id, post.id if post else None))


def _move_targets(discussion) -> list:
    """For one who moderates the discussion: other forums and rooms they moderate too (one
    space query; staff mostly)."""
    spaces, _total = list_spaces(current_user)
    return [
        s
        for s in spaces
        if s.kind in service.DISCUSSION_KINDS
        and s.id != discussion.space_id
        and policy.can(current_user, policy.MODERATE, s)
    ]


@bp.post("/spaces/<int:space_id>/read")
@login_required
def mark_forum_read(space_id: int):
    space = get_space(current_user, space_id)
    service.mark_forum_read(current_user, space)
    flash(_("Everything here is marked as read."), "success")
    return redirect(url_for("spaces.space", space_id=space.id))


@bp.post("/read")
@login_required
def mark_all_read():
    service.mark_all_read(current_user)
    flash(_("Everything is marked as read."), "success")
    return redirect(url_for("spaces.dashboard"))


@bp.route("/posts/<int:post_id>/reply", methods=["GET", "POST"])
@accepts_uploads
@login_required
def reply(post_id: int):
    parent = queries.get_post(current_user, post_id)
    if parent.deleted_at is not None:  # nothing to answer, and its author stays unnamed
        raise Conflict(_("This post was deleted."))
    discussion = parent.discussion
    policy.require(current_user, policy.REPLY, discussion)
    form = ReplyForm()
    offer_files(form, discussion.space)
    refusal = None
    if form.validate_on_submit():
        try:
            rate_limits.posting(current_user)
            post = service.reply(
                current_user,
                discussion,
                body=form.body.data,
                parent_id=parent.id,
                private=form.private.data and not parent.internal,
                internal=parent.internal,  # a reply to a note is a note
                idempotency_key=form.idempotency_key.data,
                files=posted_files(),
                mail_now=form.mail_now.data,
                follow=not form.quiet.data,
            )
        except AppError as error:
            apply_errors(form, error)
            refusal = error
        else:
            return redirect(discussion_url(discussion.id, post.id))
    readable = policy.can(current_user, "view_body", parent)
    if request.method == "GET" and request.args.get("quote") and readable:
        quoted = "\n".join(f"> {line}" for line in parent.body.splitlines())
        form.body.data = f"{parent.author.display_name}:\n{quoted}\n\n"
    page = render_template(
        "discussions/reply.html",
        posting_warning=threshold.warning(threshold.standing(current_user, discussion.space)),
        parent=parent,
        discussion=discussion,
        form=form,
        readable=readable,
        can_reply_privately=policy.can(current_user, "reply_privately", discussion),
    )
    return page, *refusal_status(refusal)


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@accepts_uploads
@login_required
def edit(post_id: int):
    post = queries.get_post(current_user, post_id)
    policy.require_edit(current_user, post)
    is_first = post.parent_id is None
    tagging = is_first and policy.can(current_user, "tag", post.discussion)
    form = EditForm(obj=post)
    if request.method == "GET" and is_first:
        form.title.data = post.discussion.title
    if request.method == "GET" and tagging:
        tags.load_tags([post.discussion])
        form.tags.data = ", ".join(post.discussion.tag_names)
    stale = None
    current = attachment_queries.by_post([post.id]).get(post.id, [])
    form.remove.choices = options((a.id, a.filename) for a in current)
    if not current:
        del form.remove
    offer_files(form, post.discussion.space)
    if form.validate_on_submit():
        try:
            names = tags.check_tags(tags.split_tags(form.tags.data)) if tagging else None
            service.edit_post(
                current_user,
                post,
                body=form.body.data,
                title=form.title.data if is_first else None,
                add_files=posted_files(),
                remove_ids=form.remove.data if current else (),
                version=inputs.parse_id(str(form.version.data)),
                mail_now=form.mail_now.data,
            )
            if tagging:
                tags.set_tags(current_user, post.discussion, names)
        except StaleEdit as error:
            apply_errors(form, error)
            stale = error.target
            form.version.data = stale.version  # saving again replaces what is shown beside
        except AppError as error:
            apply_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(discussion_url(post.discussion_id, post.id))
    if not is_first:
        del form.title
    if not tagging:
        del form.tags
    return render_template("discussions/edit.html", post=post, form=form, stale=stale)


@bp.get("/posts/<int:post_id>/history")
@login_required
def history(post_id: int):
    post = queries.get_post(current_user, post_id)
    if not policy.can(current_user, "history", post):
        raise NotFound()
    return render_template(
        "discussions/history.html", post=post, revisions=queries.list_revisions(post)
    )


@bp.post("/posts/<int:post_id>/delete")
@login_required
def delete(post_id: int):
    post = queries.get_post(current_user, post_id)
    space_id = post.discussion.space_id
    remaining = service.delete_post(current_user, post)
    flash(_("The post was deleted."), "success")
    if remaining is None:
        return redirect(url_for("spaces.space", space_id=space_id))
    return redirect(discussion_url(remaining.id, post_id))


@bp.post("/posts/<int:post_id>/useful")
@login_required
def useful(post_id: int):
    post = queries.get_post(current_user, post_id)
    service.set_useful(current_user, post, request.form.get("useful") == "1")
    return redirect(discussion_url(post.discussion_id, post.id))


@bp.post("/discussions/<int:discussion_id>/star")
@login_required
def star(discussion_id: int):
    discussion = queries.get_discussion(current_user, discussion_id)
    stars.star(current_user, discussion, request.form.get("starred") == "1")
    return redirect(discussion_url(discussion.id))


@bp.get("/starred")
@login_required
def starred():
    """The person's starred discussions, in one forum (?space=) or everywhere."""
    space = None
    if "space" in request.args:
        space_id = inputs.parse_id(request.args["space"])
        if space_id is None:
            raise NotFound()
        space = get_space(current_user, space_id)
    page = inputs.page_arg()
    per_page = 50
    items, total, unread = stars.list_starred(
        current_user, space.id if space else None, (page - 1) * per_page, per_page
    )
    pages = max((total + per_page - 1) // per_page, 1)
    if page > pages:
        raise NotFound()
    return render_template(
        "discussions/starred.html",
        items=items,
        unread=unread,
        space=space,
        pager=Pager(
            page, pages, lambda n: url_for("discussions.starred", space=space and space.id, page=n)
        ),
    )


@bp.post("/discussions/<int:discussion_id>/flags")
@login_required
def flags(discussion_id: int):
    discussion = queries.get_discussion(current_user, discussion_id)
    values = {
        name: request.form[name] == "1" for name in ("pinned", "locked") if name in request.form
    }
    service.set_flags(current_user, discussion, **values)
    return redirect(discussion_url(discussion.id))


def _site_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


@bp.app_template_filter("local_input")
def local_input(moment: datetime | None) -> str:
    """A moment as a datetime-local field's value, in the site's time zone."""
    return "" if moment is None else f"{moment.astimezone(_site_zone()):%Y-%m-%dT%H:%M}"


def _local_moment(name: str) -> datetime | None:
    """A datetime-local field, in the site's time zone; None when empty."""
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid(fields={name: _("Give a date and time.")}) from None
    if moment.tzinfo is not None:
        raise Invalid(fields={name: _("Give a date and time.")})
    return moment.replace(tzinfo=_site_zone())


@bp.post("/discussions/<int:discussion_id>/period")
@login_required
def display_period(discussion_id: int):
    """Moderators: when a discussion is shown (empty fields: no limit)."""
    discussion = queries.get_discussion(current_user, discussion_id)
    try:
        timing.set_display_period(
            current_user,
            discussion,
            _local_moment("display_from"),
            _local_moment("display_until"),
        )
    except Invalid as error:
        db.session.rollback()
        flash(error.summary(), "error")
    else:
        flash(_("Saved."), "success")
    return redirect(discussion_url(discussion.id))


@bp.route("/spaces/<int:space_id>/forum", methods=["GET", "POST"])
@login_required
def forum_settings(space_id: int):
    space = get_space(current_user, space_id)
    policy.require(current_user, policy.MANAGE, space)
    settings = settings_of(space)
    form = ForumSettingsForm(obj=settings)
    form.forum_type.choices = choices(ForumType)
    form.subscription_mode.choices = choices(SubscriptionMode)
    form.group_mode.choices = choices(GroupMode)
    form.read_tracking.choices = choices(ReadTracking)
    if request.method == "GET":
        form.max_attachment_mb.data = round(settings.max_attachment_bytes / MB, 2)
    if form.validate_on_submit():
        try:
            service.configure_forum(
                current_user,
                space,
                forum_type=form.forum_type.data,
                subscription_mode=form.subscription_mode.data,
                group_mode=form.group_mode.data,
                read_tracking=form.read_tracking.data,
                max_attachments=form.max_attachments.data,
                max_attachment_bytes=int(form.max_attachment_mb.data * MB),
                post_period_hours=form.post_period_hours.data,
                warn_after=form.warn_after.data,
                block_after=form.block_after.data,
                show_word_count=form.show_word_count.data,
            )
        except AppError as error:
            if "max_attachment_bytes" in error.fields:  # the form asks in megabytes
                error.fields["max_attachment_mb"] = error.fields.pop("max_attachment_bytes")
            apply_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("spaces.space", space_id=space.id))
    return render_template(
        "admin/form.html", form=form, title=space.title, subtitle=_("Forum settings")
    )


def _participation(space_id: int):
    space = get_space(current_user, space_id)
    policy.require(current_user, policy.MODERATE, space)
    return participation(current_user, space, parse_query(ParticipationQuery))


def _report_args(report) -> dict:
    query = report.query
    return {
        "group": query.group,
        "first": query.first.isoformat() if query.first else None,
        "last": query.last.isoformat() if query.last else None,
    }


@bp.get("/spaces/<int:space_id>/participation")
@login_required
def participation_page(space_id: int):
    """Moderators: discussions and replies per person, by group and period."""
    report = _participation(space_id)
    return render_template(
        "discussions/participation.html",
        report=report,
        chart=participation_chart(report),
        args=_report_args(report),
    )


@bp.get("/spaces/<int:space_id>/participation.csv")
@login_required
def participation_download(space_id: int):
    report = _participation(space_id)
    name = f"participation-{space_id}"
    if report.group is not None:
        name += f"-group-{report.group.id}"
    return Response(
        participation_csv(report, current_locale()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


EXPORT_FORMATS = {"csv": "text/csv", "html": "text/html"}


def _export_response(space, discussion, fmt: str) -> Response:
    """The export as a file to save (never shown inline, so a post's HTML never runs as
    the site's page)."""
    if fmt not in EXPORT_FORMATS:
        raise NotFound()
    exported = export(current_user, space, discussion)
    if fmt == "csv":
        content = export_csv(exported, current_locale())
    else:
        content = render_template(
            "discussions/export.html",
            exported=exported,
            title=discussion.title if discussion else space.title,
            now=utcnow(),
        )
    name = f"discussion-{discussion.id}" if discussion else f"forum-{space.id}"
    return Response(
        content,
        mimetype=EXPORT_FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@bp.get("/spaces/<int:space_id>/export.<fmt>")
@login_required
def export_forum(space_id: int, fmt: str):
    """The forum's discussions and posts the user may read, as CSV or HTML: all of them
    for those who moderate it, the user's own posts for the other members."""
    return _export_response(get_space(current_user, space_id), None, fmt)


@bp.get("/discussions/<int:discussion_id>/export.<fmt>")
@login_required
def export_discussion(discussion_id: int, fmt: str):
    discussion = queries.get_discussion(current_user, discussion_id)
    return _export_response(discussion.space, discussion, fmt)
