"""Spaces forget an erased person's memberships, in the erasure's transaction."""

from flask import Flask
from sqlalchemy import delete

from cop import events
from cop.accounts.events import PersonErased
from cop.extensions import db
from cop.spaces.models import SpaceMembership


def _person_erased(event: PersonErased) -> None:
    db.session.execute(delete(SpaceMembership).where(SpaceMembership.user_id == event.user.id))


def register(app: Flask) -> None:
    events.subscribe(app, PersonErased, _person_erased)
