"""The staff area: people, communities, associations, expert groups, spaces, memberships.
Every change goes through the feature services, which ask the policy again."""

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from cop import inputs, policy
from cop.accounts import erasure
from cop.accounts import service as accounts
from cop.accounts.models import Role, User
from cop.admin.forms import (
    AssociationForm,
    CommunityForm,
    ExpertGroupForm,
    MembershipForm,
    SpaceEditForm,
    SpaceForm,
    UserEditForm,
    UserForm,
)
from cop.collation import by_person
from cop.errors import AppError, Forbidden, Unauthorized
from cop.extensions import db
from cop.forms import apply_errors, options
from cop.i18n import current_locale
from cop.labels import choices, label
from cop.orgs import queries as orgs
from cop.orgs import service as org_service
from cop.orgs.models import Association, Community, CommunityKind, ExpertGroup
from cop.spaces import queries as space_queries
from cop.spaces import service as space_service
from cop.spaces.models import SpaceKind, SpaceRole, Visibility

bp = Blueprint("admin", __name__, url_prefix="/admin")
USERS_PER_PAGE = 100


@bp.before_request
def staff_only():
    if not current_user.is_authenticated:
        raise Unauthorized()
    if not policy.can(current_user, policy.MODERATE, policy.SITE):
        raise Forbidden()


def _save(form, save: Callable[[], object], done: str, template_args: dict):
    """Validate the form, call the service, show its field errors on the form."""
    if form.validate_on_submit():
        try:
            save()
        except AppError as error:
            apply_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(done)
    return render_template("admin/form.html", form=form, **template_args)


def _fields(form, *names: str) -> dict:
    return {name: getattr(form, name).data for name in names}


def _none_choice(rows, text=lambda r: r.name) -> list:
    return options([(None, "—")] + [(r.id, text(r)) for r in rows])


def _people(roles=None) -> list:
    query = select(User).where(User.active.is_(True))
    if roles:
        query = query.where(User.role.in_(roles))
    people = by_person(db.session.scalars(query))
    return options((u.id, f"{u.display_name} <{u.email}>") for u in people)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@bp.get("/")
def index():
    counts = {
        _l("People"): (_count(User), "admin.users"),
        _l("Communities"): (_count(Community), "admin.communities"),
        _l("Associations"): (_count(Association), "admin.associations"),
        _l("Expert groups"): (_count(ExpertGroup), "admin.expert_groups"),
        _l("Spaces"): (space_queries.list_spaces(current_user, limit=0)[1], "admin.spaces"),
    }
    return render_template("admin/index.html", counts=counts)


# --- people -------------------------------------------------------------------------------


# Least powerful first, so an invitation starts as a committee member.
ROLE_ORDER = (Role.MEMBER, Role.TRAINEE, Role.EXPERT, Role.MODERATOR, Role.ADMIN)


def _role_choices() -> list:
    may_grant_staff = policy.can(current_user, policy.MANAGE, policy.SITE)
    grantable = [r for r in ROLE_ORDER if may_grant_staff or r not in policy.STAFF]
    return choices(Role, grantable)


@bp.get("/users")
def users():
    page = inputs.page_arg()
    total = _count(User)
    # Ukrainian order by surname cannot be had in SQL on both databases: sort the names.
    names = by_person(db.session.execute(select(User.id, User.display_name)))
    ids = [row.id for row in names[(page - 1) * USERS_PER_PAGE : page * USERS_PER_PAGE]]
    rows = by_person(db.session.scalars(select(User).where(User.id.in_(ids))))
    return render_template(
        "admin/users.html",
        users=list(rows),
        page=page,
        total=total,
        pages=max((total + USERS_PER_PAGE - 1) // USERS_PER_PAGE, 1),
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = UserForm()
    form.role.choices = _role_choices()
    form.association_id.choices = _none_choice(orgs.list_associations())
    save = lambda: accounts.create_user(  # noqa: E731
        current_user, **_fields(form, "email", "display_name", "role", "locale", "association_id")
    )
    return _save(
        form,
        save,
        url_for("admin.users"),
        {
            "title": _("Invite a person"),
            "submit": _("Send the invitation"),
            "hint": _("They will get an email with a link to choose a password."),
        },
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = orgs.get(User, user_id)
    if not policy.can(current_user, policy.MANAGE, user):
        raise Forbidden()
    form = UserEditForm(obj=user)
    form.role.choices = _role_choices()
    form.association_id.choices = _none_choice(orgs.list_associations())
    save = lambda: accounts.update_user(  # noqa: E731
        current_user,
        user,
        _fields(form, "display_name", "role", "locale", "association_id", "active"),
    )
    return _save(
        form,
        save,
        url_for("admin.users"),
        {
            "title": user.display_name,
            "subtitle": user.email,
            "extra_action": url_for("admin.resend_invite", user_id=user.id),
            "extra_label": _("Send a new invitation link"),
            "erase_user": user if policy.can(current_user, policy.MANAGE, policy.SITE) else None,
        },
    )


@bp.post("/users/<int:user_id>/erase")
def erase_user(user_id: int):
    """The administrator types the person's email to confirm: erasing cannot be undone."""
    user = orgs.get(User, user_id)
    if request.form.get("confirm", "").strip().lower() != user.email:
        flash(_("Type the person's email exactly to confirm the erasure."), "error")
        return redirect(url_for("admin.edit_user", user_id=user_id))
    erasure.erase_person(current_user, user)
    flash(_("The person's personal data is erased."), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/invite")
def resend_invite(user_id: int):
    accounts.resend_invite(current_user, orgs.get(User, user_id))
    flash(_("The invitation was sent."), "success")
    return redirect(url_for("admin.edit_user", user_id=user_id))


# --- communities, associations, expert groups ------------------------------------------


@bp.get("/communities")
def communities():
    return render_template("admin/communities.html", communities=orgs.list_communities())


@bp.route("/communities/new", methods=["GET", "POST"], defaults={"community_id": None})
@bp.route("/communities/<int:community_id>", methods=["GET", "POST"])
def edit_community(community_id: int | None):
    community = orgs.get(Community, community_id) if community_id else None
    form = CommunityForm(obj=community)
    form.kind.choices = choices(CommunityKind)
    form.committee_user_ids.choices = _people()
    if community is not None and request.method == "GET":
        form.committee_user_ids.data = [m.user_id for m in community.committee]

    save = lambda: org_service.save_community(  # noqa: E731
        current_user,
        community,
        {
            **_fields(form, "name", "kind", "oblast"),
            "committee_user_ids": form.committee_user_ids.data or [],
        },
    )

    title = community.name if community else _("New community")
    return _save(form, save, url_for("admin.communities"), {"title": title})


@bp.get("/associations")
def associations():
    return render_template("admin/associations.html", associations=orgs.list_associations())


@bp.route("/associations/new", methods=["GET", "POST"], defaults={"association_id": None})
@bp.route("/associations/<int:association_id>", methods=["GET", "POST"])
def edit_association(association_id: int | None):
    association = orgs.get(Association, association_id) if association_id else None
    form = AssociationForm(obj=association)
    save = lambda: org_service.save_association(  # noqa: E731
        current_user, association, _fields(form, "name", "short_name")
    )
    title = association.name if association else _("New association")
    return _save(form, save, url_for("admin.associations"), {"title": title})


@bp.get("/expert-groups")
def expert_groups():
    return render_template("admin/expert_groups.html", groups=orgs.list_expert_groups())


@bp.route("/expert-groups/new", methods=["GET", "POST"], defaults={"group_id": None})
@bp.route("/expert-groups/<int:group_id>", methods=["GET", "POST"])
def edit_expert_group(group_id: int | None):
    group = orgs.get(ExpertGroup, group_id) if group_id else None
    form = ExpertGroupForm(obj=group)
    form.member_ids.choices = _people(policy.EXPERTS)
    form.community_ids.choices = options((c.id, c.name) for c in orgs.list_communities())
    if group is not None and request.method == "GET":
        form.member_ids.data = [u.id for u in group.members]
        form.community_ids.data = [c.id for c in group.communities]
    save = lambda: org_service.save_expert_group(  # noqa: E731
        current_user,
        group,
        {
            "name": form.name.data,
            "member_ids": form.member_ids.data or [],
            "community_ids": form.community_ids.data or [],
        },
    )
    title = group.name if group else _("New expert group")
    return _save(form, save, url_for("admin.expert_groups"), {"title": title})


# --- spaces and memberships -------------------------------------------------------------


def _space_choices(form) -> None:
    form.visibility.choices = choices(Visibility)
    form.platform_id.choices = _none_choice(
        orgs.list_platforms(), lambda p: p.name(current_locale())
    )
    form.expert_group_id.choices = _none_choice(orgs.list_expert_groups())
    form.community_id.choices = _none_choice(orgs.list_communities())


SPACE_FIELDS = (
    "title",
    "description",
    "visibility",
    "platform_id",
    "expert_group_id",
    "community_id",
)


@bp.get("/spaces")
def spaces():
    rows, _total = space_queries.list_spaces(current_user)
    return render_template("admin/spaces.html", spaces=rows)


@bp.route("/spaces/new", methods=["GET", "POST"])
def new_space():
    form = SpaceForm()
    form.kind.choices = choices(SpaceKind)
    _space_choices(form)
    save = lambda: space_service.create_space(  # noqa: E731
        current_user, _fields(form, "kind", *SPACE_FIELDS)
    )
    return _save(form, save, url_for("admin.spaces"), {"title": _("New space")})


@bp.route("/spaces/<int:space_id>", methods=["GET", "POST"])
def edit_space(space_id: int):
    space = space_queries.get_space(current_user, space_id)
    policy.require(current_user, policy.MANAGE, space)
    form = SpaceEditForm(obj=space)
    _space_choices(form)
    fields = SPACE_FIELDS
    if space.kind in policy.CLOSED_KINDS:  # always members-only; offering a choice would mislead
        del form.visibility
        fields = tuple(f for f in SPACE_FIELDS if f != "visibility")
    membership_form = MembershipForm(prefix="m")
    membership_form.user_id.choices = _people()
    membership_form.role.choices = choices(SpaceRole)
    save = lambda: space_service.update_space(  # noqa: E731
        current_user, space, _fields(form, *fields)
    )
    return _save(
        form,
        save,
        url_for("admin.spaces"),
        {
            "title": space.title,
            "subtitle": label(space.kind),
            "space": space,
            "members": space_queries.list_members(space),
            "membership_form": membership_form,
        },
    )


@bp.post("/spaces/<int:space_id>/members")
def add_member(space_id: int):
    space = space_queries.get_space(current_user, space_id)
    form = MembershipForm(prefix="m")
    form.user_id.choices = _people()
    form.role.choices = choices(SpaceRole)
    if form.validate_on_submit():
        try:
            space_service.set_membership(current_user, space, form.user_id.data, form.role.data)
            flash(_("Saved."), "success")
        except AppError as error:
            flash(error.summary(), "error")
    return redirect(url_for("admin.edit_space", space_id=space.id))


@bp.post("/spaces/<int:space_id>/members/<int:user_id>/delete")
def remove_member(space_id: int, user_id: int):
    space = space_queries.get_space(current_user, space_id)
    space_service.remove_membership(current_user, space, user_id)
    flash(_("Removed."), "success")
    return redirect(url_for("admin.edit_space", space_id=space.id))
