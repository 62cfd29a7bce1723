from datetime import timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cop import inputs, policy, rate_limits
from cop.attachments.service import FIELD
from cop.consultations import figures, lifecycle, publishing, queries, service
from cop.consultations.figures import Breakdown
from cop.consultations.figures_chart import month_chart
from cop.consultations.figures_csv import breakdown_label, figures_csv
from cop.consultations.forms import ConsultationForm, NoteForm, ResolveForm
from cop.consultations.models import Consent, Consultation, Status
from cop.consultations.queries import Assignee, Filters, Order
from cop.courses.views import asked_module
from cop.discussions import queries as discussions
from cop.discussions import service as discussion_service
from cop.discussions.forms import ReplyForm
from cop.discussions.views import discussion_url, offer_files, posted_files
from cop.errors import AppError, Forbidden, Invalid, NotFound
from cop.forms import apply_errors, options, refusal_status
from cop.i18n import current_locale
from cop.labels import label
from cop.limits import accepts_uploads
from cop.notifications.service import discussion_subscription, forum_subscription
from cop.orgs.queries import list_platforms
from cop.paging import Pager
from cop.spaces.models import Space, SpaceKind

bp = Blueprint("consultations", __name__)

PER_PAGE = 50
OLDER_THAN_MAX = 36500
NOTE = "note"  # the note form's prefix: the reply form on the same page has the same fields


def consultation_url(consultation_id: int, post_id: int | None = None) -> str:
    anchor = f"post-{post_id}" if post_id else None
    return url_for("consultations.consultation", consultation_id=consultation_id, _anchor=anchor)


def _filters() -> Filters:
    """The desk's filters from the address; anything unreadable is simply not applied."""
    args = request.args
    status = args.get("status")
    assignee = args.get("assignee")
    order = args.get("order")
    older = args.get("older_than_days", type=int)
    return Filters(
        status=Status(status) if status in set(Status) else None,
        assignee=Assignee(assignee) if assignee in set(Assignee) else Assignee.ANY,
        community_id=inputs.id_arg("community_id"),
        platform_id=inputs.id_arg("platform_id"),
        older_than_days=older if older is not None and 0 <= older <= OLDER_THAN_MAX else None,
        overdue=args.get("overdue") == "1",
        order=Order(order) if order in set(Order) else Order.NEWEST,
    )


def _desk_shown(filters: Filters, communities) -> Space | None:
    """The one community's desk the page is about (filtered to it, or the only one), for
    following its new consultations."""
    ids = [c.id for c in communities]
    if filters.community_id in ids:
        community_id = filters.community_id
    elif len(ids) == 1:
        community_id = ids[0]
    else:
        return None
    desk_space = service.desk_of(community_id)
    return desk_space if desk_space and policy.can(current_user, policy.VIEW, desk_space) else None


@bp.get("/consultations")
@login_required
def desk():
    """Experts and staff: the queue of their desks; a committee: its consultations."""
    filters = _filters()
    page = inputs.page_arg()
    found = queries.list_consultations(current_user, filters, (page - 1) * PER_PAGE, PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page"}
    communities = queries.communities_on_desks(current_user)
    desk_space = _desk_shown(filters, communities)
    return render_template(
        "consultations/desk.html",
        desk_space=desk_space,
        desk_follow=forum_subscription(current_user, desk_space) if desk_space else None,
        found=found,
        filters=filters,
        statuses=list(Status),
        communities=communities,
        platforms=list_platforms(),
        works=policy.works_desks(current_user),
        can_open=bool(queries.my_committees(current_user)),
        args=args,
        status_args={k: v for k, v in args.items() if k != "status"},
        page=page,
        pages=max((found.total + PER_PAGE - 1) // PER_PAGE, 1),
    )


@bp.route("/consultations/new", methods=["GET", "POST"])
@accepts_uploads
@login_required
def new():
    communities = queries.my_committees(current_user)
    if not communities:
        raise Forbidden(_("Consultations are opened by a community's committee."))
    form = ConsultationForm()
    if len(communities) == 1:
        del form.community_id
    else:
        form.community_id.choices = options([(None, "—")] + [(c.id, c.name) for c in communities])
    form.platform_id.choices = options(
        [(None, "—")] + [(p.id, p.name(current_locale())) for p in list_platforms()]
    )
    offer_files(form, service.desk_of(communities[0].id) or Space(kind=SpaceKind.CONSULTATION_DESK))
    module = asked_module(form)
    refusal = None
    if form.validate_on_submit():
        try:
            rate_limits.posting(current_user)
            consultation = service.open_consultation(
                current_user,
                title=form.title.data,
                body=form.body.data,
                community_id=form.community_id.data if len(communities) > 1 else None,
                platform_id=form.platform_id.data,
                module_id=module.id if module else None,
                idempotency_key=form.idempotency_key.data,
                files=posted_files(),
            )
        except AppError as error:
            apply_errors(form, error)
            refusal = error
        else:
            flash(_("Your question is on the experts' desk."), "success")
            return redirect(consultation_url(consultation.id))
    page = render_template("consultations/new.html", form=form, module=module)
    return page, *refusal_status(refusal)


def _page(consultation: Consultation, note_form=None, resolve_form=None, status: int = 200):
    discussion = consultation.discussion
    space = discussion.space
    parties = policy.desk_parties(current_user, space)
    queries.annotate(current_user, [consultation])
    number = inputs.page_arg()
    thread = discussions.load_thread(current_user, discussion, "nested", number)
    if number > thread.pages:
        raise NotFound()
    reply_form = ReplyForm()
    offer_files(reply_form, space)
    can_note = policy.can(current_user, "notes", discussion)
    if can_note and note_form is None:
        note_form = NoteForm(prefix=NOTE)
        offer_files(note_form, space)
    moves = lifecycle.requests(consultation.status, parties, bool(consultation.assignees))
    assigned = {a.user_id for a in consultation.assignees}
    staff = policy.Party.STAFF in parties
    platforms = list_platforms()
    page = render_template(
        "consultations/consultation.html",
        consultation=consultation,
        discussion=discussion,
        space=space,
        thread=thread,
        pager=Pager(
            thread.page,
            thread.pages,
            lambda n: url_for(
                "consultations.consultation",
                consultation_id=consultation.id,
                page=None if n == 1 else n,
            ),
        ),
        reply_form=reply_form,
        note_form=note_form if can_note else None,
        resolve_form=resolve_form or ResolveForm(),
        moves=[(to, lifecycle.action_label(consultation.status, to)) for to in moves],
        can_resolve=Status.RESOLVED in moves,
        can_reply=policy.can(current_user, policy.REPLY, discussion)
        and consultation.status != Status.CLOSED,
        can_reply_privately=policy.can(current_user, "reply_privately", discussion),
        can_moderate=policy.can(current_user, policy.MODERATE, discussion),
        take_on=policy.Party.TEAM in parties and current_user.id not in assigned,
        unassignable={
            a.user_id
            for a in consultation.assignees
            if policy.may_assign(current_user, space, a.user)
        },
        candidates=[u for u in queries.desk_team(consultation) if u.id not in assigned]
        if staff
        else [],
        platforms={p.id: p.name(current_locale()) for p in platforms},
        can_change_platform=bool(parties),
        timeline=queries.timeline(consultation),
        follow=discussion_subscription(current_user, discussion),
        consents=list(Consent),
        # the committee decides on publishing once there is an answer to publish
        can_consent=policy.can(current_user, "consent", consultation)
        and consultation.first_response_at is not None,
        can_publish=policy.can(current_user, "publish", consultation)
        and consultation.published_discussion_id is None,
        publishable=consultation.status in publishing.PUBLISHABLE,
        files=publishing.publishable_files(consultation)
        if policy.can(current_user, "publish", consultation)
        and consultation.status in publishing.PUBLISHABLE
        else [],
    )
    discussion_service.mark_read(current_user, discussion)  # after rendering, as discussions
    return page, status


@bp.get("/consultations/<int:consultation_id>")
@login_required
def consultation(consultation_id: int):
    return _page(queries.get_consultation(current_user, consultation_id))


@bp.post("/consultations/<int:consultation_id>/transitions")
@login_required
def transition(consultation_id: int):
    consultation = queries.get_consultation(current_user, consultation_id)
    to = request.form.get("to", "")
    form = ResolveForm() if to == Status.RESOLVED else None
    if form is not None and not form.validate():
        return _page(consultation, resolve_form=form, status=422)
    try:
        service.transition(
            current_user,
            consultation,
            to,
            rating=form.rating.data if form else None,
            comment=form.comment.data if form else None,
        )
    except AppError as error:
        if form is None or not error.fields:
            raise
        apply_errors(form, error)
        return _page(consultation, resolve_form=form, status=error.status)
    flash(_("The consultation is now “%(status)s”.", status=label(consultation.status)), "success")
    return redirect(consultation_url(consultation.id))


@bp.post("/consultations/<int:consultation_id>/assignees")
@login_required
def assignees(consultation_id: int):
    consultation = queries.get_consultation(current_user, consultation_id)
    add = inputs.id_args("add", request.form)
    remove = inputs.id_args("remove", request.form)
    service.change_assignees(current_user, consultation, add=add, remove=remove)
    return redirect(consultation_url(consultation.id))


@bp.post("/consultations/<int:consultation_id>/platform")
@login_required
def platform(consultation_id: int):
    consultation = queries.get_consultation(current_user, consultation_id)
    platform_id = inputs.id_arg("platform_id", request.form)
    service.update_consultation(current_user, consultation, platform_id=platform_id)
    flash(_("Saved."), "success")
    return redirect(consultation_url(consultation.id))


@bp.post("/consultations/<int:consultation_id>/consent")
@login_required
def consent(consultation_id: int):
    consultation = queries.get_consultation(current_user, consultation_id)
    try:
        service.update_consultation(
            current_user, consultation, publish_consent=request.form.get("publish_consent", "")
        )
    except AppError as error:
        flash(error.summary(), "error")
        return redirect(consultation_url(consultation.id))
    flash(_("Saved: %(consent)s.", consent=label(consultation.publish_consent)), "success")
    return redirect(consultation_url(consultation.id))


@bp.post("/consultations/<int:consultation_id>/publish")
@login_required
def publish(consultation_id: int):
    consultation = queries.get_consultation(current_user, consultation_id)
    try:
        discussion = publishing.publish(
            current_user,
            consultation,
            anonymise=request.form.get("anonymise") == "1",
            attachment_ids=inputs.id_args("attachment_ids", request.form),
        )
    except AppError as error:
        flash(error.summary(), "error")
        return redirect(consultation_url(consultation.id))
    flash(_("Published in the knowledge base."), "success")
    return redirect(discussion_url(discussion.id))


@bp.post("/consultations/<int:consultation_id>/notes")
@accepts_uploads
@login_required
def note(consultation_id: int):
    consultation = queries.get_consultation(current_user, consultation_id)
    policy.require(current_user, "notes", consultation.discussion)
    form = NoteForm(prefix=NOTE)
    offer_files(form, consultation.discussion.space)
    if form.validate_on_submit():
        try:
            rate_limits.posting(current_user)
            post = discussion_service.reply(
                current_user,
                consultation.discussion,
                body=form.body.data,
                internal=True,
                idempotency_key=form.idempotency_key.data,
                files=request.files.getlist(f"{NOTE}-{FIELD}"),
            )
        except AppError as error:
            apply_errors(form, error)
            if error.status == 429:
                return *_page(consultation, note_form=form, status=429), error.headers()
        else:
            return redirect(consultation_url(consultation.id, post.id))
    return _page(consultation, note_form=form, status=422)


# --- monthly figures (cop/consultations/figures.py) --------------------------------------


@bp.app_template_filter("working_time")
def working_time_filter(span) -> str:
    """A span of working time for people: minutes under an hour, whole hours under a
    working day, days with one decimal beyond; '—' for none."""
    if span is None:
        return "—"
    hours = span / timedelta(hours=1)
    if hours < 1:
        return _("%(n)s min", n=round(hours * 60))
    if hours < 24:
        return _("%(n)s h", n=round(hours))
    return _("%(n)s d", n=format_decimal(hours / 24, "0.0"))


def _figures() -> figures.Figures:
    if not policy.sees_figures(current_user):
        raise Forbidden(_("The consultation figures are for experts and moderators."))
    by = request.args.get("by") or Breakdown.NONE
    if by not in set(Breakdown):
        message = _("There is no such breakdown.")
        raise Invalid(message, fields={"by": message})
    period = figures.read_period(request.args.get("first"), request.args.get("last"))
    return figures.compute_figures(current_user, period, Breakdown(by), current_locale())


def _figure_args(found: figures.Figures) -> dict:
    return {
        "first": f"{found.period.first:%Y-%m}",
        "last": f"{found.period.last:%Y-%m}",
        "by": None if found.breakdown == Breakdown.NONE else found.breakdown.value,
    }


@bp.get("/consultations/figures")
@login_required
def figures_page():
    """Experts and staff: opened and resolved per month, times and satisfaction."""
    found = _figures()
    return render_template(
        "consultations/figures.html",
        figures=found,
        chart=month_chart(found),
        breakdowns=[(b, breakdown_label(b)) for b in Breakdown],
        breakdown_name=breakdown_label(found.breakdown),
        presets=figures.presets(),
        args=_figure_args(found),
    )


@bp.get("/consultations/figures.csv")
@login_required
def figures_download():
    found = _figures()
    name = f"consultations-{found.period.first:%Y-%m}-{found.period.last:%Y-%m}"
    if found.breakdown != Breakdown.NONE:
        name += f"-{found.breakdown.value}"
    return Response(
        figures_csv(found, current_locale()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
