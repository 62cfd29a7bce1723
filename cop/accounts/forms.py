from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, Length

from cop.accounts.models import EMAIL_MAX, NAME_MAX, PASSWORD_MAX, PASSWORD_MIN
from cop.forms import options, required

LOCALE_CHOICES = options([("uk", "Українська"), ("en", "English")])


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[required(), Length(max=EMAIL_MAX)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[required(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Remember me"))


NEW_PASSWORD = {"autocomplete": "new-password"}


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[required(), Length(PASSWORD_MIN, PASSWORD_MAX)],
        render_kw=NEW_PASSWORD,
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[required(), EqualTo("password", _l("The passwords differ."))],
        render_kw=NEW_PASSWORD,
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[required(), Length(max=EMAIL_MAX)],
        render_kw={"autocomplete": "email"},
    )


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Full name"), validators=[required(), Length(max=NAME_MAX)])
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)
    email_mode = SelectField(_l("Notifications by email"))
    track_reads = BooleanField(
        _l("Mark unread posts (in forums that leave it to you)"), default=True
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[required()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[required(), Length(PASSWORD_MIN, PASSWORD_MAX)],
        render_kw=NEW_PASSWORD,
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[required(), EqualTo("new_password", _l("The passwords differ."))],
        render_kw=NEW_PASSWORD,
    )


class TokenForm(FlaskForm):
    name = StringField(
        _l("What the token is for"),
        validators=[required(), Length(max=NAME_MAX)],
        description=_l("For example: “Reports script” or “Phone app”."),
    )
    password = PasswordField(
        _l("Your password"),
        validators=[required(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
