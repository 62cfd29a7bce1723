"""Glue between service errors and WTForms: a service's Invalid lands on the form's fields."""

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from cop.errors import AppError
from cop.extensions import db


def apply_errors(form: FlaskForm, error: AppError) -> None:
    db.session.rollback()  # nothing a refused service touched may be flushed later
    placed = False
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
            placed = True
    if not placed:
        flash(str(error), "error")


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices; None becomes the empty choice."""
    return [SelectChoice("" if value is None else str(value), str(text)) for value, text in pairs]
