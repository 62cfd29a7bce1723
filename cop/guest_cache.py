"""Rendered pages for guests, kept in each worker's memory and dropped after any write.

As Discourse's anonymous cache and nginx micro-caching do. A view marked `@guest_cached`
(public read pages only) is answered from memory for a GET by someone who is not signed
in, keyed by path, query string and language. Nothing else a guest's page depends on:
guest pages carry no CSRF token (see base.html and accounts.set_locale) and no flash
message (a session holding one is not served from or stored in the cache).

Correct across worker processes and servers sharing the database: every transaction that
changes rows (other than the private bookkeeping in PRIVATE_TABLES) also adds one to
`page_generation.value`, in the same transaction. A page is stored with the value read
*before* it was rendered and served only while the value is unchanged, which costs one
primary-key read per cached request. A write therefore empties every worker's cache at
its commit (no page kept before it is current again): a guest sees a new reply on the next
request.

One render per page per change, not one per waiting guest (Varnish's grace, nginx's
`proxy_cache_use_stale updating` with `proxy_cache_lock`): while one request renders a page
again after a write, the guests who ask for the same page meanwhile get the copy kept
before the write, as long as that copy was known to be current at most STALE_SECONDS ago
and nothing has changed who may read what since it was rendered (the access counter,
cop/access_counter.py, read in the same statement as the page generation). A guest who
asks when no render of the page is under way gets the new page. With several serving
processes sharing a Redis (the message queue's, COP_GUEST_CACHE_SHARE), the render is
claimed and its page shared there, so that it is one for all of them (cop/shared_pages.py).

Never cached: requests with an Authorization header, a remember-me cookie or a session
with anything but a language or a CSRF token in it (signed-in people, flash messages);
responses that are not 200 text/html or that set a cookie. Cached responses carry an
ETag and `Cache-Control: no-cache`, so browsers revalidate and get a 304.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

from flask import Flask, request
from flask_login import current_user
from sqlalchemy import BigInteger, event
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.http import parse_cookie

from cop.extensions import db
from cop.shared_pages import SharedPages
from cop.write_counter import WriteCounter

ENVIRON_KEY = "cop.guest_cache"
# Tables whose changes never show on a guest's page: one person's read marks (written on
# every signed-in page view), notifications, the kinds turned off and subscriptions,
# sign-ins, reset requests, API token bookkeeping, idempotency keys, the counters themselves,
# and live questions and votes (the live page is never cached and reads them over its
# socket; a session's archive is a discussion); and the PostgreSQL search backend's index
# (cop/search/pg/table.py: no cached page shows it, and it decides nobody's access).
PRIVATE_TABLES = frozenset(
    {
        "discussion_read",
        "forum_read",
        "access_token",
        "login_session",
        "reset_request",
        "page_generation",
        "notification",
        "notification_mute",
        "forum_subscription",
        "discussion_subscription",
        "idempotency_key",
        "live_question",
        "live_vote",
        "person_generation",
        "search_document",
        "search_state",
        "search_word",
        "search_recent_write",
    }
)
# Session keys a guest's page does not depend on.
GUEST_SESSION_KEYS = frozenset({"locale", "csrf_token", "_fresh"})
# Both counters in one primary-key read: the page generation (any write) and the access
# counter (who may read what), under which an outdated copy may still be served.
GENERATION_SQL = (
    "SELECT p.value, s.value FROM page_generation p, search_scope_generation s"
    " WHERE p.id = 1 AND s.id = 1"
)
# How long ago an outdated copy may have been current for it to be served while its page is
# rendered again (a render under load takes tens of milliseconds, rarely a second).
STALE_SECONDS = 3.0
# How long a process that found another's claim on a page answers with its outdated copy
# before it asks the shared store again: each ask is a round trip, a turn of a busy loop.
RECHECK_SECONDS = 0.02


class PageGeneration(db.Model):
    """One row; its value grows with every committed write (see the module doc)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


# --- the counter ---------------------------------------------------------------------

# A live session's change number, moved by each question and vote, is on no page (the
# live page is never cached); its status, times and settings are, and count.
WriteCounter(PageGeneration, PRIVATE_TABLES, quiet={"live_session": frozenset({"seq"})}).listen(
    db.session
)


# --- the cache -------------------------------------------------------------------------


@dataclass
class _Page:
    generation: tuple[int, int]  # (page generation, access counter) read before the render
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str
    current_at: float  # time.monotonic() when the page was last known to be current
    elsewhere_until: float = 0.0  # another process renders it again (see RECHECK_SECONDS)


class _Pending:
    """A guest's request that missed: the generation read before the view rendered."""

    def __init__(self, cache: "GuestPageCache", key: tuple, generation: tuple | None):
        self.cache, self.key, self.generation = cache, key, generation
        self.read_at = time.monotonic()
        self.cacheable = False
        self.claimed = False  # the render is claimed in the shared store
        self.kept: _Page | None = None

    def begin(self) -> None:
        if self.generation is None:
            self.generation, self.read_at = self.cache.generation(), time.monotonic()
        self.cacheable = self.generation is not None


def guest_cached(view):
    """Let the guest page cache keep this view's page (public read pages only)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        pending = request.environ.get(ENVIRON_KEY)
        if pending is not None and not current_user.is_authenticated:
            pending.begin()  # before the view reads anything
        return view(*args, **kwargs)

    return wrapper


class GuestPageCache:
    """WSGI middleware around the Flask app; one per worker process."""

    def __init__(self, app: Flask, wsgi_app, max_bytes: int, shared: SharedPages | None = None):
        self.wsgi_app = wsgi_app
        self.shared = shared
        self.max_bytes = max_bytes
        self.pages: OrderedDict[tuple, _Page] = OrderedDict()
        self.size = 0
        self.rendering: dict[tuple, _Pending] = {}  # page key -> the request rendering it
        self.lock = threading.Lock()
        self.session_cookie = app.config["SESSION_COOKIE_NAME"]
        self.remember_cookie = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        self.serializer = app.session_interface.get_signing_serializer(app)
        self.max_age = int(app.permanent_session_lifetime.total_seconds())
        self.locales = app.config["COP_LOCALES"]
        self.default_locale = app.config["BABEL_DEFAULT_LOCALE"]
        with app.app_context():
            self.engine = db.engine
        # opened at the first guest request, so in the worker process, never before a fork
        self.connection = None
        event.listen(self.engine, "engine_disposed", self._close)

    def generation(self) -> tuple[int, int] | None:
        """The two counters, read on one connection this worker keeps for it (checking out a
        pooled connection per read cost 14 times as much); None if it cannot be read."""
        with self.lock:
            try:
                if self.connection is None:
                    self.connection = self.engine.raw_connection()
                cursor = self.connection.cursor()
                try:
                    cursor.execute(GENERATION_SQL)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
                self.connection.rollback()  # no snapshot or transaction left open
                return (row[0], row[1]) if row else None
            except Exception:  # noqa: BLE001 - a broken connection: uncached, then reconnect
                if self.connection is not None:
                    self.connection.invalidate()
                self.connection = None
                return None

    def _close(self, _engine) -> None:
        """With the engine's pool: close the connection itself, not back into the pool."""
        with self.lock:
            if self.connection is not None:
                self.connection.invalidate()
                self.connection = None

    def _guest_locale(self, environ) -> str | None:
        """The guest's language, or None when the request may not use the cache."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("HTTP_AUTHORIZATION"):
            return None
        session = {}
        if environ.get("HTTP_COOKIE"):
            cookies = parse_cookie(environ)
            if self.remember_cookie in cookies:
                return None
            if self.session_cookie in cookies:
                try:
                    session = self.serializer.loads(
                        cookies[self.session_cookie], max_age=self.max_age
                    )
                except Exception:  # noqa: BLE001 - Flask starts an empty session then too
                    session = {}
                if not isinstance(session, dict) or not GUEST_SESSION_KEYS.issuperset(session):
                    return None
        locale = session.get("locale")
        return locale if locale in self.locales else self.default_locale

    def __call__(self, environ, start_response):
        locale = self._guest_locale(environ)
        if locale is None:
            return self.wsgi_app(environ, start_response)
        key = (locale, environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        generation, page, claimed = None, None, False
        if key in self.pages:
            generation = self.generation()
            page = self._kept(key, generation)
            if page is None and self.shared is not None and generation is not None:
                page, claimed = self._from_shared(key, generation)
            if page is not None:
                return self._serve(page, environ, start_response)
        pending = environ[ENVIRON_KEY] = _Pending(self, key, generation)
        pending.claimed = claimed
        with self.lock:
            self.rendering.setdefault(key, pending)
        try:
            return self._render(pending, environ, start_response)
        finally:
            with self.lock:
                if self.rendering.get(key) is pending:
                    del self.rendering[key]
            if pending.claimed:
                kept = pending.kept
                facts = kept and _facts(kept)
                self.shared.put(key, pending.generation, facts, kept.body if kept else b"")

    def _render(self, pending: _Pending, environ, start_response):
        captured = []

        def capture(status, headers, exc_info=None):
            if (
                pending.cacheable
                and exc_info is None
                and status.startswith("200 ")
                and _header(headers, "Content-Type", "").startswith("text/html")
                and _header(headers, "Set-Cookie") is None
            ):
                captured.append((status, headers))
                return captured.append  # the write() callable; Flask never uses it
            return start_response(status, headers, exc_info)

        body_iter = self.wsgi_app(environ, capture)
        if not captured:
            return body_iter
        try:
            body = b"".join(body_iter)
        finally:
            if hasattr(body_iter, "close"):
                body_iter.close()
        status, headers = captured[0]
        page = self._store(pending, status, headers, body)
        start_response(status, page.headers)
        return [body]

    def _from_shared(self, key, generation) -> tuple[_Page | None, bool]:
        """The page another process rendered at this generation; else whether this
        request may render it for every process, and if not, the outdated copy."""
        found, claimed = self.shared.take(key, generation)
        if found is not None:
            facts, body = found
            headers = [tuple(header) for header in facts["headers"]]
            now = time.monotonic()
            page = _Page(generation, facts["status"], headers, body, facts["etag"], now)
            self._keep(key, page)
            return page, False
        if claimed:
            return None, True
        page = self._kept(key, generation, elsewhere=True)
        if page is not None:
            page.elsewhere_until = time.monotonic() + RECHECK_SECONDS
        return page, False

    def _kept(self, key, generation, elsewhere: bool = False) -> _Page | None:
        """The kept page if it is current; or the outdated one while another request
        (`elsewhere`: of another process) renders it again, if it was current a moment
        ago for the same readers."""
        with self.lock:
            page = self.pages.get(key)
            if page is None or generation is None:
                return None
            now = time.monotonic()
            if page.generation == generation:
                page.current_at = now
            elif not (
                (elsewhere or key in self.rendering or page.elsewhere_until > now)
                and page.generation[1] == generation[1]
                and now - page.current_at <= STALE_SECONDS
            ):
                return None
            self.pages.move_to_end(key)
            return page

    def _store(self, pending: _Pending, status, headers, body: bytes) -> _Page:
        etag = f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
        headers = [
            *(h for h in headers if h[0].lower() not in ("etag", "cache-control")),
            ("ETag", etag),
            ("Cache-Control", "no-cache"),
        ]
        page = _Page(pending.generation, status, headers, body, etag, pending.read_at)
        if self._keep(pending.key, page):
            pending.kept = page
        return page

    def _keep(self, key, page: _Page) -> bool:
        """Keep the page unless it is too large or a newer one is kept already."""
        with self.lock:
            old = self.pages.get(key)
            if len(page.body) > self.max_bytes // 4 or (
                old is not None and old.generation > page.generation
            ):
                return False
            self.pages.pop(key, None)
            self.size += len(page.body) - (len(old.body) if old else 0)
            self.pages[key] = page
            while self.size > self.max_bytes:
                _key, evicted = self.pages.popitem(last=False)
                self.size -= len(evicted.body)
            return True

    def _serve(self, page: _Page, environ, start_response):
        if page.etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            keep = ("etag", "cache-control", "vary", "content-security-policy")
            start_response("304 Not Modified", [h for h in page.headers if h[0].lower() in keep])
            return [b""]
        start_response(page.status, page.headers)
        return [page.body]


def _facts(page: _Page) -> dict:
    """What the shared store keeps of a page beside its body."""
    return {
        "status": page.status,
        "headers": page.headers,
        "etag": page.etag,
    }


def _header(headers, name: str, default=None):
    name = name.lower()
    return next((v for k, v in headers if k.lower() == name), default)


def init_app(app: Flask) -> None:
    megabytes = app.config["COP_GUEST_CACHE_MB"]
    if megabytes <= 0:
        return
    shared = None
    if app.config["COP_GUEST_CACHE_SHARE"]:
        database = app.config["SQLALCHEMY_DATABASE_URI"]  # pages of one database only
        namespace = hashlib.blake2b(database.encode(), digest_size=8).hexdigest()
        shared = SharedPages(app.config["COP_GUEST_CACHE_SHARE"], namespace)
    app.wsgi_app = GuestPageCache(app, app.wsgi_app, megabytes * 1024 * 1024, shared)
