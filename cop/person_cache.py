"""Counts kept per person across requests: the bell's unread notifications, the unread
posts per forum (dashboard) and per discussion (forum page); and a discussion page's
posts part, star and follow state (cop/discussions/page_posts.py, stars.py,
cop/notifications/listeners.py).

Such a count depends on what everyone writes (posts, discussions, memberships, settings:
the guest cache's page generation moves on each) and on the person's own bookkeeping that
the page generation ignores (read marks, notifications, the kinds turned off, what they
follow). So every transaction writing one of PERSONAL_TABLES also adds one to that
person's row of `person_generation`, in the same transaction; a bulk statement whose
person cannot be told adds one to row 0, everyone's. A count is kept under (page
generation, row 0, the person's row), read in one statement *before* it is computed, and
used while the three have not moved: a write in any process changes the key at its
commit. What changes with the clock alone (display periods, a Q&A answer leaving its
edit window) is the caller's `until`: the entry is not used from that moment on.

The dashboard's lists of spaces are kept the same way (`personal=False`: under the page
generation alone), and what is the same for everyone who may see it, such as a space's
live sessions, once for all (`kept_for_everyone`). Kept per process in an LRU bounded by
KEPT_WEIGHT."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime

from flask import current_app, g, has_request_context
from sqlalchemy import BigInteger, Integer, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BindParameter, BooleanClauseList

from cop.db import utcnow, write_last
from cop.extensions import db
from cop.guest_cache import PageGeneration
from cop.write_counter import WRITE_VERBS

# The person's own rows behind what is kept: read marks, notifications, kinds turned off,
# and what they follow (a discussion page's follow button).
PERSONAL_TABLES = frozenset(
    {
        "discussion_read",
        "forum_read",
        "notification",
        "notification_mute",
        "forum_subscription",
        "discussion_subscription",
    }
)
EVERYONE = 0
# How much a process keeps: a count (or a dict of a page's counts) weighs 1, a list of
# values its length (the dashboard's cards, a few hundred bytes each): at most a few tens
# of megabytes.
KEPT_WEIGHT = 65536
_TOUCHED = "cop_person_generation"
_KEY = "cop_person_cache_key"


class PersonGeneration(db.Model):
    """Per person (0: everyone), a value that grows with every committed write to their
    rows of PERSONAL_TABLES."""

    __tablename__ = "person_generation"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)


# --- the counter ---------------------------------------------------------------------


def _person_in(statement) -> int:
    """The person a bulk statement writes for (`user_id = :x` in its WHERE clause, or the
    single row it inserts), else EVERYONE."""
    table = statement.table
    if statement.is_insert:
        rows = statement._multi_values or ([statement._values] if statement._values else [])
        found = {_value(row.get("user_id")) for rows_ in rows for row in _rows(rows_)}
        return found.pop() if len(found) == 1 and None not in found else EVERYONE
    for term in _conjuncts(statement.whereclause):
        column, value = getattr(term, "left", None), getattr(term, "right", None)
        if (
            getattr(term, "operator", None) is operators.eq
            and getattr(getattr(column, "table", None), "name", None) == table.name
            and getattr(column, "name", None) == "user_id"
            and isinstance(value, BindParameter)
            and isinstance(value.value, int)
        ):
            return value.value
    return EVERYONE


def _conjuncts(clause) -> list:
    """The terms a WHERE clause requires all of (those under an OR are not required)."""
    if clause is None:
        return []
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        return [term for part in clause.clauses for term in _conjuncts(part)]
    return [clause]


def _rows(rows):
    return rows if isinstance(rows, list) else [rows]


def _value(value):
    value = getattr(value, "value", value)  # a BindParameter
    return value if isinstance(value, int) else None


def _note_flushed(session, _context) -> None:
    for obj in (*session.new, *session.deleted, *session.dirty):
        if obj.__table__.name in PERSONAL_TABLES and (
            obj not in session.dirty or session.is_modified(obj)
        ):
            session.info.setdefault(_TOUCHED, set()).add(obj.user_id)


def _note_statement(state) -> None:
    statement = state.statement
    table = getattr(statement, "table", None)
    if table is None:
        sql = getattr(statement, "text", "")  # textual SQL: whose rows, nobody knows
        if sql.lstrip()[:8].upper().startswith(WRITE_VERBS):
            state.session.info.setdefault(_TOUCHED, set()).add(EVERYONE)
        return
    if state.is_select or table.name not in PERSONAL_TABLES:
        return
    state.session.info.setdefault(_TOUCHED, set()).add(_person_in(statement))


def _count(session) -> None:
    if session.new or session.deleted or session.dirty:
        session.flush()
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    if has_request_context():  # this request's own pages count afresh (see `kept`)
        g.setdefault("_person_wrote", set()).update(touched)
    table = PersonGeneration.__table__
    name = session.get_bind().dialect.name
    dialect = postgresql if name == "postgresql" else sqlite
    for user_id in sorted(touched):  # the same order in every transaction: no deadlock
        insert = dialect.insert(table).values(user_id=user_id, value=1)
        write_last(  # a hot row (row 0 moves with every bulk write): sent with the COMMIT
            session,
            insert.on_conflict_do_update(
                index_elements=[table.c.user_id], set_={"value": table.c.value + 1}
            ),
        )


def _forget(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TOUCHED, None)
        session.info.pop(_KEY, None)


event.listen(Session, "after_flush", _note_flushed)
event.listen(Session, "do_orm_execute", _note_statement)
event.listen(Session, "before_commit", _count)
event.listen(Session, "after_transaction_end", _forget)


# --- the cache -------------------------------------------------------------------------

_mine = PersonGeneration.__table__.alias("mine")
_everyone = PersonGeneration.__table__.alias("everyone")


def remember_key(user_id: int, key: tuple) -> None:
    """The key of `user_id`, read by another statement of this transaction (the policy's
    facts query reads it with the person's facts, so a page pays no statement for it)."""
    db.session().info[_KEY] = (user_id, key)


def _key_of(user_id: int) -> tuple | None:
    """(page generation, everyone's, the person's), once per transaction; None when the
    database has no page generation row (nothing is kept then)."""
    session = db.session()
    held = session.info.get(_KEY)
    if held is None or held[0] != user_id:
        page = select(PageGeneration.value).where(PageGeneration.id == 1).scalar_subquery()
        row = db.session.execute(
            select(
                page,
                select(func.max(_everyone.c.value))
                .where(_everyone.c.user_id == EVERYONE)
                .scalar_subquery(),
                select(func.max(_mine.c.value)).where(_mine.c.user_id == user_id).scalar_subquery(),
            )
        ).one()
        held = (user_id, None if row[0] is None else tuple(row))
        session.info[_KEY] = held
    return held[1]


class _Kept:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple, tuple] = OrderedDict()
        self.weight = 0

    def get(self, name: tuple, key, missing=None):
        with self.lock:
            held = self.entries.get(name)
            if held is None or held[0] != key:
                return missing
            if held[1] is not None and utcnow() >= held[1]:
                return missing
            self.entries.move_to_end(name)
            return held[2]

    def put(self, name: tuple, key, value, expires: datetime | None, weight: int = 1) -> None:
        with self.lock:
            old = self.entries.pop(name, None)
            self.weight += weight - (old[3] if old else 0)
            self.entries[name] = (key, expires, value, weight)
            while self.weight > KEPT_WEIGHT:
                self.weight -= self.entries.popitem(last=False)[1][3]


def kept(
    user,
    what: Hashable,
    compute: Callable[[], object],
    until: Callable[[], datetime | None] | None = None,
    personal: bool = True,
    weight: Callable[[object], int] = lambda _value: 1,
    lapses: Callable[[object], datetime | None] | None = None,
):
    """`compute()` for this person, or its value kept from an earlier request while
    nothing it depends on was written and the clock has not reached `until()` (the next
    moment it may change by itself, None for never; kept under the page generation
    alone, since only what everyone writes moves it; no `until`: only writes change it).
    `personal=False`: the value does not depend on PERSONAL_TABLES, so the person's own
    read marks and notifications leave it kept. `weight(value)`: its share of KEPT_WEIGHT.
    `lapses(value)`: a moment of this value's own from which it is not used (what it shows
    of the clock, such as relative dates), besides `until()`, which the person's values
    share; None for never.

    A request that has itself written the person's rows (a discussion page's read mark)
    computes without reading the key: the key has just moved, so a kept value could not
    be used, and the page costs what it did before the cache."""
    wrote = g.get("_person_wrote", ())
    if user.id in wrote or EVERYONE in wrote:
        return compute()
    key = _key_of(user.id)
    if key is None:
        return compute()
    cache = current_app.extensions.setdefault("cop_person_cache", _Kept())
    held = cache.get((user.id, what), key if personal else key[0])
    if held is not None:
        return held
    value = compute()
    if _storable():
        expires = None if until is None else _expires(cache, user, key, until)
        own = None if lapses is None else lapses(value)
        if own is not None and (expires is None or own < expires):
            expires = own
        cache.put((user.id, what), key if personal else key[0], value, expires, weight(value))
    return value


def kept_for_everyone(
    user,
    what: Hashable,
    compute: Callable[[], object],
    weight: Callable[[object], int] = lambda _value: 1,
    until: Callable[[], datetime | None] | None = None,
):
    """`compute()`, or its value kept from anyone's earlier request while the page
    generation has not moved: for what is the same for every reader allowed to see it (the
    caller has checked that this one is) and changes only with what everyone writes, or
    with the clock at `until()` (asked when it is computed; None: never). The
    key costs no statement for a person signed in (the policy's facts query reads it);
    guests compute, since the guest page cache keeps their pages whole."""
    if not getattr(user, "is_authenticated", False):
        return compute()
    key = _key_of(user.id)
    if key is None:
        return compute()
    cache = current_app.extensions.setdefault("cop_person_cache", _Kept())
    name = (EVERYONE, what)  # no person's id is 0
    held = cache.get(name, key[0])
    if held is not None:
        return held
    value = compute()
    if _storable():
        cache.put(name, key[0], value, None if until is None else until(), weight(value))
    return value


def _expires(cache: "_Kept", user, key: tuple, until) -> datetime | None:
    """When this person's kept counts stop holding by the clock alone (None: never)."""
    moment = cache.get((user.id, "until"), key[0], missing=False)
    if moment is not False and (moment is None or utcnow() < moment):
        return moment
    moment = until()
    if _storable():
        cache.put((user.id, "until"), key[0], moment, None)
    return moment


def _storable() -> bool:
    """Nothing written in this transaction that is not committed yet: what was read
    then may be kept."""
    session = db.session()
    if session.info.get(_TOUCHED) or session.new or session.dirty or session.deleted:
        return False
    return not any(name.startswith("cop_wrote_") for name in session.info)
