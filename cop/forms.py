"""Glue between service errors and WTForms: a service's Invalid lands on the form's fields."""

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from cop.errors import AppError
from cop.extensions import db


def apply_errors(form: FlaskForm, error: AppError) -> None:
    db.session.rollback()  # nothing a refused service touched may be flushed later
    unplaced = []
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            unplaced.append(message)
    if unplaced or not error.fields:
        flash(" ".join(unplaced) or str(error), "error")


def refusal_status(error: AppError | None) -> tuple[int, list[tuple[str, str]]]:
    """A form shown again after a refusal answers 200 with its errors, except past a rate
    limit: 429 and Retry-After, for clients and proxies to know when to come back."""
    if error is not None and error.status == 429:
        return 429, error.headers()
    return 200, []


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices; None becomes the empty choice."""
    return [SelectChoice("" if value is None else str(value), str(text)) for value, text in pairs]


def required() -> DataRequired:
    """The same wording as the services' own 'required' message."""
    return DataRequired(message=_l("This field is required."))


class FormattedTextField(TextAreaField):
    """Text in Markdown, rendered by cop.text: the form macro gives it the composer
    (toolbar, preview, draft kept in the browser; static/js/composer.js)."""

    composer = True


class CheckboxListField(SelectMultipleField):
    """Several choices as checkboxes: usable on a phone, unlike a multiple <select>."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def optional_int(value):
    """Coerces a select's value; the empty choice is None."""
    return int(value) if value not in (None, "", "None") else None
