import csv
import io

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cop import inputs, policy
from cop.attachments import service as attachments
from cop.courses import progress, queries, service
from cop.courses.forms import LinkForm, ModuleForm, ResourceForm
from cop.courses.models import Completion, CourseModule
from cop.discussions.models import ForumType, settings_of
from cop.errors import AppError
from cop.forms import apply_errors
from cop.labels import choices
from cop.limits import accepts_uploads
from cop.notifications.service import forum_subscription

bp = Blueprint("courses", __name__)


def module_url(module: CourseModule) -> str:
    return url_for("courses.module", module_id=module.id)


@bp.get("/courses/<int:course_id>")
@login_required
def course(course_id: int):
    course = queries.get_course(current_user, course_id)
    seen = queries.overview(current_user, course)
    return render_template(
        "courses/course.html",
        course=course,
        seen=seen,
        requires_previous=progress.requires_previous(course.id),
        recent=queries.recent_discussions(current_user, seen.published),
        forums={m.forum_id: m for m in seen.modules},
        follow=forum_subscription(current_user, course),  # to hear of new modules
    )


@bp.post("/courses/<int:course_id>/settings")
@login_required
def course_settings(course_id: int):
    course = queries.get_course(current_user, course_id)
    service.set_requires_previous(
        current_user, course, request.form.get("requires_previous") == "1"
    )
    flash(_("Saved."), "success")
    return redirect(url_for("courses.course", course_id=course.id))


def _module_form(form: ModuleForm) -> None:
    form.completion.choices = choices(Completion)
    form.forum_type.choices = choices(ForumType, service.MODULE_FORUM_TYPES)


def _fields(form: ModuleForm) -> dict:
    return {
        "title": form.title.data,
        "body": form.body.data,
        "completion": Completion(form.completion.data),
        "completion_count": form.completion_count.data,
        "minutes": form.minutes.data,
        "due_on": form.due_on.data,
    }


@bp.route("/courses/<int:course_id>/modules/new", methods=["GET", "POST"])
@login_required
def new_module(course_id: int):
    course = queries.get_course(current_user, course_id)
    policy.require(current_user, policy.POST, course)
    form = ModuleForm()
    _module_form(form)
    if form.validate_on_submit():
        try:
            module = service.create_module(
                current_user, course, forum_type=form.forum_type.data, **_fields(form)
            )
        except AppError as error:
            apply_errors(form, error)
        else:
            flash(_("The module is saved as a draft."), "success")
            return redirect(module_url(module))
    return render_template("courses/module_form.html", course=course, module=None, form=form)


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@login_required
def edit_module(module_id: int):
    module = queries.get_module(current_user, module_id)
    policy.require(current_user, "edit", module)
    form = ModuleForm(obj=module)
    _module_form(form)
    del form.forum_type  # the forum's own settings page changes it
    if form.validate_on_submit():
        try:
            service.edit_module(current_user, module, **_fields(form))
        except AppError as error:
            apply_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(module_url(module))
    return render_template(
        "courses/module_form.html",
        course=module.course,
        module=module,
        form=form,
        link_form=LinkForm(),
        resource_form=ResourceForm(),
        links=queries.links_of([module.id]).get(module.id, []),
        resources=queries.resources_of([module.id]).get(module.id, []),
    )


@bp.get("/modules/<int:module_id>")
@login_required
def module(module_id: int):
    module = queries.get_module(current_user, module_id)
    service.record_view(current_user, module)
    seen = queries.overview(current_user, module.course)
    index = [m.id for m in seen.modules].index(module.id)
    return render_template(
        "courses/module.html",
        module=module,
        course=module.course,
        seen=seen,
        locked=module.id in seen.locked,
        blocking=progress.blocking_module(current_user, module),
        done=module.id in seen.done,
        previous=seen.modules[index - 1] if index > 0 else None,
        following=seen.modules[index + 1] if index + 1 < len(seen.modules) else None,
        links=queries.links_of([module.id]).get(module.id, []),
        resources=queries.resources_of([module.id]).get(module.id, []),
        recent=queries.recent_discussions(current_user, [module], limit=10),
        forum_type=settings_of(module.forum).forum_type,
    )


def _act(module_id: int, action, message: str, target: str = "module"):
    module = queries.get_module(current_user, module_id)
    try:
        action(current_user, module)
    except AppError as error:
        flash(str(error), "error")
    else:
        flash(message, "success")
    if target == "course":
        return redirect(url_for("courses.course", course_id=module.course_id))
    return redirect(module_url(module))


@bp.post("/modules/<int:module_id>/publish")
@login_required
def publish(module_id: int):
    return _act(module_id, service.publish_module, _("The module is published."))


@bp.post("/modules/<int:module_id>/unpublish")
@login_required
def unpublish(module_id: int):
    return _act(module_id, service.unpublish_module, _("The module is a draft again."))


@bp.post("/modules/<int:module_id>/complete")
@login_required
def complete(module_id: int):
    return _act(module_id, service.complete_module, _("Marked as completed."))


@bp.post("/modules/<int:module_id>/uncomplete")
@login_required
def uncomplete(module_id: int):
    return _act(module_id, service.uncomplete_module, _("The mark is taken back."))


@bp.post("/modules/<int:module_id>/move")
@login_required
def move(module_id: int):
    offset = -1 if request.form.get("direction") == "up" else 1
    return _act(
        module_id, lambda actor, m: service.move_module(actor, m, offset), _("Moved."), "course"
    )


@bp.post("/modules/<int:module_id>/links")
@login_required
def add_link(module_id: int):
    module = queries.get_module(current_user, module_id)
    form = LinkForm()
    try:
        service.add_link(current_user, module, title=form.link_title.data, url=form.url.data)
    except AppError as error:
        flash(error.summary(), "error")
    else:
        flash(_("The link is added."), "success")
    return redirect(url_for("courses.edit_module", module_id=module.id))


@bp.post("/modules/<int:module_id>/links/<int:link_id>/delete")
@login_required
def remove_link(module_id: int, link_id: int):
    module = queries.get_module(current_user, module_id)
    service.remove_link(current_user, queries.get_link(current_user, module, link_id))
    flash(_("The link is removed."), "success")
    return redirect(url_for("courses.edit_module", module_id=module.id))


@bp.post("/modules/<int:module_id>/resources")
@accepts_uploads
@login_required
def add_resources(module_id: int):
    module = queries.get_module(current_user, module_id)
    try:
        service.add_resources(current_user, module, request.files.getlist("file"))
    except AppError as error:
        flash(error.summary(), "error")
    else:
        flash(_("The files are added."), "success")
    return redirect(url_for("courses.edit_module", module_id=module.id))


@bp.post("/modules/<int:module_id>/resources/<int:attachment_id>/delete")
@login_required
def remove_resource(module_id: int, attachment_id: int):
    module = queries.get_module(current_user, module_id)
    attachments.remove_resource(
        current_user, queries.get_resource(current_user, module, attachment_id)
    )
    flash(_("The file is removed."), "success")
    return redirect(url_for("courses.edit_module", module_id=module.id))


@bp.get("/modules/<int:module_id>/revisions")
@login_required
def revisions(module_id: int):
    module = queries.get_module(current_user, module_id)
    policy.require(current_user, "edit", module)
    return render_template(
        "courses/revisions.html", module=module, revisions=queries.list_revisions(module)
    )


def _table(course_id: int):
    course = queries.get_course(current_user, course_id)
    policy.require(current_user, policy.MODERATE, course)
    community_id = inputs.id_arg("community")
    return course, community_id, progress.progress_table(course, community_id)


@bp.get("/courses/<int:course_id>/progress")
@login_required
def progress_page(course_id: int):
    course, community_id, table = _table(course_id)
    return render_template(
        "courses/progress.html", course=course, table=table, community_id=community_id
    )


@bp.get("/courses/<int:course_id>/progress.csv")
@login_required
def progress_csv(course_id: int):
    course, _community_id, table = _table(course_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("Community"), _("Member"), *(m.title for m in table.modules), _("Completed")]
    )
    for row in table.rows:
        marks = ["1" if m.id in row.done else "0" for m in table.modules]
        writer.writerow([row.community.name, row.user.display_name, *marks, len(row.done)])
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM, so spreadsheet programs read Cyrillic right
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="course-{course.id}-progress.csv"'},
    )


def asked_module(form) -> CourseModule | None:
    """For "ask an expert about this module": the module a consultation form names (in
    the address at first, then in a hidden field), if the user may read it; the subject
    starts with its title."""
    module_id = inputs.parse_id(form.module_id.data or request.args.get("module_id"))
    if module_id is None:
        return None
    try:
        module = queries.get_module(current_user, module_id)
    except AppError:
        return None
    form.module_id.data = str(module.id)
    if not form.title.data:
        form.title.data = _("About the module “%(title)s”", title=module.title)
    return module
