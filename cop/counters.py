"""Stored counts and pointers (a discussion's reply count and last post, a post's 'useful'
count, a live question's votes): kept by the services in SQL, in the transaction that
changes the rows they summarise, and checked here against those rows by `cop db check`,
which `--repair` sets right. Each feature lists its own in a `counters` module and
declares them at app start (its `listeners.register`)."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import InstrumentedAttribute

from cop.extensions import db


@dataclass(frozen=True)
class Stored:
    """A column whose value the database can recompute: `truth()` is a correlated SQL
    expression for one row of the column's table."""

    name: str
    column: InstrumentedAttribute
    truth: Callable[[], ColumnElement]

    @property
    def model(self):
        return self.column.class_


@dataclass(frozen=True)
class Drift:
    name: str
    row_id: int
    stored: object
    actual: object


def declare(app: Flask, counters: tuple[Stored, ...]) -> None:
    app.extensions.setdefault("cop.counters", []).extend(counters)


def stored_counters() -> list[Stored]:
    return current_app.extensions.get("cop.counters", [])


def _drifted(counter: Stored):
    model, truth = counter.model, counter.truth()
    return db.session.execute(
        select(model.id, counter.column, truth)
        .where(counter.column.is_distinct_from(truth))
        .order_by(model.id)
    ).all()


def check() -> list[Drift]:
    """Every stored value that differs from what its rows say."""
    return [
        Drift(counter.name, row_id, stored, actual)
        for counter in stored_counters()
        for row_id, stored, actual in _drifted(counter)
    ]


def repair() -> list[Drift]:
    """Set every drifted value to what its rows say; returns what was wrong. Each row is
    locked before it is recomputed, so a write racing the repair is counted once. Commits."""
    found = check()
    for counter in stored_counters():
        ids = [d.row_id for d in found if d.name == counter.name]
        if not ids:
            continue
        model = counter.model
        db.session.execute(select(model.id).where(model.id.in_(ids)).with_for_update())
        db.session.execute(
            update(model)
            .where(model.id.in_(ids))
            .values({counter.column: counter.truth()})
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return found
