from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from cop import events, inputs
from cop.accounts import people, queries, service, sessions
from cop.accounts.events import PERSON_PAGE_CONTEXT, PROFILE_CONTEXT
from cop.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    ResetRequestForm,
    SetPasswordForm,
    TokenForm,
)
from cop.accounts.models import EmailMode, LinkPurpose
from cop.errors import AppError
from cop.extensions import csrf, limiter
from cop.forms import apply_errors, refusal_status
from cop.labels import choices
from cop.rate_limits import RateLimited

bp = Blueprint("accounts", __name__)
PER_PAGE = 20


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so a login link cannot send people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("spaces.dashboard")


def _login_limit() -> str:
    return current_app.config["COP_LOGIN_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("spaces.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data)
        except RateLimited as error:
            form.password.errors.append(str(error))
            return render_template("accounts/login.html", form=form), 429, error.headers()
        if user is not None:
            sessions.sign_in(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Wrong email or password."))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        service.sign_out(current_user)
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.post("/locale/<code>")
@csrf.exempt
def set_locale(code: str):
    # A guest's language lives in their own session only, and guest pages carry no CSRF
    # token (so they can be cached): the token is checked for signed-in people only.
    if current_user.is_authenticated and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    if code in current_app.config["COP_LOCALES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            service.update_profile(current_user, locale=code)
    return redirect(_safe_next(request.form.get("next")))


def _set_password_page(token: str, purpose: LinkPurpose, template: str):
    link = service.find_link(token, purpose)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = service.redeem_link(token, purpose, form.password.data)
        except AppError as error:
            apply_errors(form, error)
        else:
            sessions.sign_in(user)
            flash(_("Your password is set. Welcome!"), "success")
            return redirect(url_for("spaces.dashboard"))
    return render_template(template, form=form, user=link.user)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    return _set_password_page(token, LinkPurpose.INVITE, "accounts/invite.html")


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data)
        flash(_("If this address has an account, we have sent a link to it."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    return _set_password_page(token, LinkPurpose.RESET, "accounts/reset.html")


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    profile_form = ProfileForm(prefix="profile", obj=current_user)
    profile_form.email_mode.choices = choices(EmailMode)
    password_form = PasswordChangeForm(prefix="password")
    if request.form.get("form") == "profile" and profile_form.validate_on_submit():
        try:
            service.update_profile(
                current_user,
                display_name=profile_form.display_name.data,
                locale=profile_form.locale.data,
                email_mode=profile_form.email_mode.data,
                track_reads=profile_form.track_reads.data,
            )
        except AppError as error:
            apply_errors(profile_form, error)
        else:
            flash(_("Profile saved."), "success")
            return redirect(url_for("accounts.profile"))
    elif request.form.get("form") == "password" and password_form.validate_on_submit():
        try:
            service.change_password(
                current_user, password_form.current_password.data, password_form.new_password.data
            )
        except AppError as error:
            apply_errors(password_form, error)
        else:
            flash(_("Password changed. Your other sessions were signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return _profile_page(profile_form=profile_form, password_form=password_form)


def _profile_page(**forms) -> str:
    profile_form = forms.get("profile_form") or ProfileForm(prefix="profile", obj=current_user)
    profile_form.email_mode.choices = choices(EmailMode)
    return render_template(
        "accounts/profile.html",
        profile_form=profile_form,
        password_form=forms.get("password_form") or PasswordChangeForm(prefix="password"),
        token_form=forms.get("token_form") or TokenForm(prefix="token"),
        devices=sessions.list_sessions(current_user),
        this_device=sessions.row_id(current_user),
        tokens=queries.list_active_tokens(current_user),
        **_features_context(),
    )


def _features_context() -> dict:
    """What the features above add to the profile page (the notification choices)."""
    context: dict = {}
    for answer in events.ask(PROFILE_CONTEXT, current_user):
        context.update(answer)
    return context


@bp.post("/profile/tokens")
@login_required
def create_token():
    form = TokenForm(prefix="token")
    error = None
    if form.validate_on_submit():
        try:
            token, raw = service.issue_token(current_user, form.name.data, form.password.data)
        except AppError as refused:
            error = refused
            apply_errors(form, refused)
        else:
            return render_template("accounts/token_created.html", token=token, raw=raw)
    status, headers = refusal_status(error)
    return _profile_page(token_form=form), status, headers


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    service.revoke_token(current_user, token_id)
    flash(_("The token was revoked: programs using it can no longer sign in with it."), "info")
    return redirect(url_for("accounts.profile", _anchor="tokens"))


@bp.post("/profile/devices/<int:login_id>/sign-out")
@login_required
def end_device(login_id: int):
    sessions.end_session(current_user, login_id)
    flash(_("The device was signed out."), "info")
    return redirect(url_for("accounts.profile"))


@bp.get("/people/<int:user_id>")
@login_required
def person(user_id: int):
    """A person's profile: who they are, and what they wrote that the viewer may read."""
    profile = people.get_person(current_user, user_id)
    page = inputs.page_arg()
    context: dict = {}
    for answer in events.ask(PERSON_PAGE_CONTEXT, current_user, profile.user, page, PER_PAGE):
        context.update(answer)
    return render_template("accounts/person.html", profile=profile, page=page, **context)
