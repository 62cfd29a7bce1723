from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from cop.accounts.models import EMAIL_MAX, NAME_MAX, PASSWORD_MAX, PASSWORD_MIN
from cop.forms import options

LOCALE_CHOICES = options([("uk", "Українська"), ("en", "English")])


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=EMAIL_MAX)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    remember = BooleanField(_l("Remember me"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(PASSWORD_MIN, PASSWORD_MAX)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=EMAIL_MAX)])


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(PASSWORD_MIN, PASSWORD_MAX)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("new_password", _l("The passwords differ."))],
    )
