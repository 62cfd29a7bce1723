"""The question lists of a join's `state`, built once per version of a session and shared
by every socket that sees the same thing.

A session's version is its change number `seq` with the sum of its questions' `votes_seq`
(each vote and unvote adds one to its question's): any change of a question, its status,
answer or count changes it, so a list built at one version is the list at that version.
Per process, each session keeps the list of its latest version: all its questions in
full, in order (staff see that), and the public list participants share (visible ones, an
anonymous asker not named), each encoded to JSON once. A participant with questions of
their own that others do not see in full (pending, hidden, anonymous) gets a list of their
own, made from the same built questions without another query.

The session itself, as the policy reads it (its space and staff), is kept per process too,
under its `seq` and the access counter (cop/access_counter.py), read in the statement that
reads the version: whatever may change who sees or moderates it (its status, its space,
its staff, a membership) moves one of them. A join then asks the policy about a copy of
it and loads nothing: in a join storm, loading it was the largest part of an arrival.
"""

import json
import threading
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import Flask
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from cop.access_counter import ScopeGeneration
from cop.errors import NotFound
from cop.extensions import RawJSON, db
from cop.live import broadcast, queries
from cop.live.models import LiveQuestion, LiveSession, QuestionStatus


@dataclass
class Lists:
    version: tuple[int, int]
    full: list[dict]  # every question, as staff and their authors see it, in order
    public: list[dict]  # the visible ones, as participants see them (shared, never changed)
    visible: frozenset[int]  # ids of the visible questions
    authors: dict[int, list[int]]  # author id -> their questions (indices into `full`) that
    # differ from what the public list shows them: pending, hidden or anonymous
    encoded: dict[str, RawJSON] = field(default_factory=dict)  # "full", "public": on demand

    def json(self, which: str) -> RawJSON:
        """A list encoded once, when first asked for (while the session changes fast, every
        join may find a new version: it then encodes only the list it sends)."""
        found = self.encoded.get(which)
        if found is None:
            found = self.encoded[which] = _encoded(getattr(self, which))
        return found


def _encoded(questions: list[dict]) -> RawJSON:
    return RawJSON(json.dumps(questions, ensure_ascii=False, separators=(",", ":")))


_SEQ_AND_VOTES = (
    select(func.coalesce(func.sum(LiveQuestion.vote_seq), 0))
    .where(LiveQuestion.session_id == LiveSession.id)
    .scalar_subquery()
)


_ACCESS_COUNTER = select(ScopeGeneration.value).where(ScopeGeneration.id == 1).scalar_subquery()


class Version(NamedTuple):
    lists: tuple[int, int]  # the change number and the sum of the questions' vote numbers
    access: int | None  # the access counter (None without its row: nothing is kept)


_VERSION = select(LiveSession.seq, _SEQ_AND_VOTES, _ACCESS_COUNTER).where(
    LiveSession.id == bindparam("session_id")
)  # built once: building it cost more than running it (bench/live/connect_cost.py)


def version(session_id: int) -> Version:
    """The session's version and the access counter, read now; NotFound without it."""
    row = db.session.execute(_VERSION, {"session_id": session_id}).one_or_none()
    if row is None:
        raise NotFound()
    return Version((row[0], row[1]), row[2])


def session(app: Flask, user, session_id: int, at: Version) -> LiveSession:
    """The session for `user`, as queries.get_session gives it (NotFound if they may not
    view it), in the current database session: a copy of the one this process keeps at
    `at`'s change number and access counter, or loaded now and kept."""
    cache = _cache(app)
    key = (at.lists[0], at.access)
    kept = cache.sessions.get(session_id)
    if kept is None or kept[0] != key or at.access is None:
        found = queries.get_session(user, session_id)  # the policy asked there
        if at.access is not None:
            with cache.lock:
                cache.sessions[session_id] = (key, _detached(found))
        return found
    found = db.session.merge(kept[1], load=False)
    queries.require_view(user, found)
    return found


def _detached(found: LiveSession) -> LiveSession:
    """A copy for the cache, never attached to a database session (each join merges its
    own copy of it): the loaded one stays with the join that loaded it."""
    with Session() as scratch:  # no engine: a merge without loading needs none
        copy = scratch.merge(found, load=False)
        scratch.expunge_all()
    return copy


def _build(session: LiveSession, at: tuple[int, int]) -> Lists:
    questions = queries.list_questions(None, session, moderates=True)
    full, public, visible, authors = [], [], set(), {}
    for index, question in enumerate(questions):
        out = broadcast.question_out(question, full=True)
        full.append(out)
        shown = question.status == QuestionStatus.VISIBLE
        if shown:  # the same object unless it hides its author
            public.append({**out, "author": None} if question.anonymous else out)
            visible.add(question.id)
        if not shown or question.anonymous:
            authors.setdefault(question.author_id, []).append(index)
    return Lists(at, full, public, frozenset(visible), authors)


@dataclass
class _Cache:
    lists: dict[int, Lists]
    lock: threading.Lock
    # session id -> ((seq, access counter), the session detached, with its space and staff)
    sessions: dict[int, tuple[tuple[int, int], LiveSession]] = field(default_factory=dict)


def _cache(app: Flask) -> _Cache:
    return app.extensions.setdefault("cop_live_snapshots", _Cache({}, threading.Lock()))


def lists(app: Flask, session: LiveSession, at: tuple[int, int]) -> Lists:
    """The session's lists at version `at` (read with `version` first): built now if this
    process has none at that version. Two joins building the same version at once both
    build it; either result is right."""
    cache = _cache(app)
    found = cache.lists.get(session.id)
    if found is not None and found.version == at:
        return found
    built = _build(session, at)
    with cache.lock:
        current = cache.lists.get(session.id)
        if current is None or current.version <= at:
            cache.lists[session.id] = built
    return built


def questions_for(built: Lists, user_id: int | None, moderates: bool) -> RawJSON:
    """The questions one person's state lists, encoded: all for staff, the public list for
    a participant, with their own pending, hidden and anonymous ones in full."""
    if moderates:
        return built.json("full")
    own = built.authors.get(user_id) if user_id is not None else None
    if not own:
        return built.json("public")
    mine, others = set(own), iter(built.public)
    listed = []
    for index, question in enumerate(built.full):
        visible = question["id"] in built.visible
        public = next(others) if visible else None  # the public list is in the same order
        if index in mine:
            listed.append(question)
        elif visible:
            listed.append(public)
    return _encoded(listed)
