"""Configuration read from COP_* environment variables, with safe defaults."""

import os
import secrets
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# The repository, in a checkout or an editable install.
ROOT = PACKAGE.parent


def shipped(folder: str) -> Path:
    """templates, static or migrations: inside the package when it was installed from a
    wheel (setup.py puts them there), at the top of the repository otherwise."""
    inside = PACKAGE / folder
    return inside if inside.is_dir() else ROOT / folder


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"COP_{name}", default)


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value else default


def _env_bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _cores() -> int:
    """The cores this process may run on (cop/processes.py counts them the same way)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _secret_key(instance_path: Path) -> str:
    """COP_SECRET_KEY, or one generated once and kept in the instance folder (never in git)."""
    key = _env("SECRET_KEY")
    if key:
        return key
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def engine_options(url: str) -> dict:
    """A server's connections can drop (checked before use); a SQLite file's cannot. Under
    gevent many requests and socket events of one process hold a connection at once, so
    its pool keeps 20 and opens up to 20 more, on either database: with SQLAlchemy's
    default five and ten more, a 100-client webinar beside 20 page readers on PostgreSQL
    had socket connects wait 30 s for a connection and fail (bench/hol). Two serving
    workers then use at most 80 of PostgreSQL's 100 default connections
    (docs/serving.md). The pool hands out the connection given back last (LIFO), the
    one least likely to have been ended by the server while it sat in the pool."""
    pool = {"pool_size": 20, "max_overflow": 20, "pool_use_lifo": True}
    if url.startswith("sqlite"):
        return pool
    return {**pool, "pool_pre_ping": True}


def replica_options(config: dict) -> dict:
    """The replica's engine: as the primary's, but a replica that does not answer costs a
    search two seconds at most before it falls back to the primary."""
    return {
        **config["SQLALCHEMY_ENGINE_OPTIONS"],
        "url": config["COP_DATABASE_REPLICA_URL"],
        "connect_args": {"connect_timeout": 2},
    }


REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def shared_storage(queue: str | None) -> str:
    """flask-limiter's storage: the Redis of the message queue when there is one, so that
    every process counts a person's limits together; else this process's memory."""
    if not queue or not queue.startswith(REDIS_SCHEMES):
        return "memory://"
    return f"redis+{queue}" if queue.startswith("unix://") else queue


def shared_redis(queue: str | None) -> str | None:
    """The message queue's URL if it is a Redis, else None."""
    return queue if queue and queue.startswith(REDIS_SCHEMES) else None


def load_config(overrides: dict | None = None) -> dict:
    overrides = dict(overrides or {})
    instance_path = Path(
        # by default in the folder cop is started from, wherever cop is installed
        overrides.pop("INSTANCE_PATH", None) or _env("INSTANCE_PATH") or "instance"
    ).resolve()
    https = _env_bool("HTTPS")
    config = {
        "INSTANCE_PATH": instance_path,
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL")
        or f"sqlite:///{instance_path / 'cop.sqlite'}",
        # A read-only hot standby of that (PostgreSQL) database, where searches run when
        # it is up, replays within MAX_LAG seconds, and the searcher has not written
        # anything searchable in the last OWN_WRITES seconds (docs/serving.md, "Read
        # replicas"); a failed replica is tried again after RETRY seconds.
        "COP_DATABASE_REPLICA_URL": _env("DATABASE_REPLICA_URL"),
        "COP_DATABASE_REPLICA_MAX_LAG": float(_env("DATABASE_REPLICA_MAX_LAG", "10")),
        "COP_DATABASE_REPLICA_OWN_WRITES": float(_env("DATABASE_REPLICA_OWN_WRITES", "30")),
        "COP_DATABASE_REPLICA_RETRY": float(_env("DATABASE_REPLICA_RETRY", "10")),
        "SECRET_KEY": None,
        # A whole request (all of a post's files together); larger ones get a 413 unread.
        "MAX_CONTENT_LENGTH": _env_int("MAX_UPLOAD_MB", 50) * 1024 * 1024,
        # Any other request (forms, JSON): a longest post is at most 240 KB however encoded.
        "COP_BODY_MAX_BYTES": _env_int("BODY_MAX_KB", 512) * 1024,
        # Site-wide ceilings for what a forum's settings may allow per file and per post.
        "COP_ATTACHMENT_MAX_BYTES": _env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024),
        "COP_ATTACHMENT_MAX_FILES": _env_int("ATTACHMENT_MAX_FILES", 10),
        "BABEL_DEFAULT_LOCALE": _env("LOCALE", "uk"),
        "BABEL_DEFAULT_TIMEZONE": _env("TIMEZONE", "Europe/Kyiv"),
        "COP_LOCALES": ("uk", "en"),
        "COP_SMTP_URL": _env("SMTP_URL"),
        "COP_MAIL_FROM": _env("MAIL_FROM", "cop@localhost"),
        "COP_BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000"),
        "COP_MESSAGE_QUEUE": _env("MESSAGE_QUEUE"),
        # Socket.IO's concurrency: "threading" wherever the app runs outside the server
        # (tests, CLI commands, Flask-SocketIO's test client, a threaded live server);
        # the server (`cop run`, cop/gunicorn_conf.py) sets "gevent". docs/serving.md.
        "COP_ASYNC_MODE": _env("ASYNC_MODE", "threading"),
        # A line per request on standard output (`cop run` turns it on in a terminal).
        "COP_LOG_REQUESTS": _env_bool("LOG_REQUESTS"),
        # Connections each process may hold to the Redis message queue (redis-py's own
        # default, 100, drops deliveries in a burst).
        "COP_MESSAGE_QUEUE_POOL": _env_int("MESSAGE_QUEUE_POOL", 10000),
        # Live Q&A: vote counts and presence go out at most once per window (seconds).
        "COP_LIVE_BROADCAST_WINDOW": float(_env("LIVE_BROADCAST_WINDOW", "0.25")),
        # An access token's last use is written at most once per gap (seconds) per process,
        # for all the tokens used meanwhile (cop/accounts/token_use.py); 0: at each use.
        "COP_TOKEN_USE_GAP": float(_env("TOKEN_USE_GAP", "1")),
        "COP_LIVE_ASK_LIMIT": _env("LIVE_ASK_LIMIT", "5 per minute"),
        "COP_LIVE_VOTE_LIMIT": _env("LIVE_VOTE_LIMIT", "60 per minute"),
        "COP_INVITE_HOURS": _env_int("INVITE_HOURS", 7 * 24),
        "COP_RESET_HOURS": _env_int("RESET_HOURS", 2),
        # How often `cop run` mails the reset links asked for (the request only queues them).
        "COP_RESET_MAIL_INTERVAL_SECONDS": _env_int("RESET_MAIL_INTERVAL_SECONDS", 2),
        # A sign-in ends when unused for IDLE_HOURS or older than MAX_DAYS; moderators'
        # and administrators' sooner (docs/security.md).
        "COP_SESSION_IDLE_HOURS": _env_int("SESSION_IDLE_HOURS", 14 * 24),
        "COP_SESSION_MAX_DAYS": _env_int("SESSION_MAX_DAYS", 90),
        "COP_STAFF_SESSION_IDLE_HOURS": _env_int("STAFF_SESSION_IDLE_HOURS", 12),
        "COP_STAFF_SESSION_MAX_DAYS": _env_int("STAFF_SESSION_MAX_DAYS", 7),
        "COP_EDIT_WINDOW_MINUTES": _env_int("EDIT_WINDOW_MINUTES", 30),
        "COP_DIGEST_HOUR": _env_int("DIGEST_HOUR", 7),
        "COP_MAIL_INTERVAL_SECONDS": _env_int("MAIL_INTERVAL_SECONDS", 60),
        # How often the worker looks for live sessions starting within 15 minutes.
        "COP_LIVE_REMINDER_INTERVAL_SECONDS": _env_int("LIVE_REMINDER_INTERVAL_SECONDS", 60),
        # The search index's folder (default: the instance folder's `search`), and how
        # often `cop run`'s indexer looks for changes to index.
        "COP_SEARCH_DIR": _env("SEARCH_DIR"),
        "COP_SEARCH_INTERVAL_MS": _env_int("SEARCH_INTERVAL_MS", 200),
        # Where searches look: `whoosh`, the index folder above (one machine), or
        # `postgres`, a table in the database (several machines; docs/serving.md).
        "COP_SEARCH_BACKEND": _env("SEARCH_BACKEND", "whoosh"),
        # With `postgres`, at most this many searches at once over every process and
        # machine (half the cores here by default, for a database on this machine; set it
        # to half the database server's cores otherwise), and how long a search waits for
        # its turn before a 503 (cop/search/pg/slots.py, docs/serving.md).
        "COP_SEARCH_CONCURRENCY": _env_int("SEARCH_CONCURRENCY", max(1, _cores() // 2)),
        "COP_SEARCH_WAIT_MS": _env_int("SEARCH_WAIT_MS", 5000),
        # How long a statement waits for a SQLite write lock held elsewhere before the
        # request gets a 503 (cop/sqlite.py, docs/faults.md).
        "COP_SQLITE_LOCK_WAIT_MS": _env_int("SQLITE_LOCK_WAIT_MS", 2000),
        "COP_READ_HORIZON_DAYS": _env_int("READ_HORIZON_DAYS", 14),
        # Rendered public pages kept for guests, per worker process (0: off).
        "COP_GUEST_CACHE_MB": _env_int("GUEST_CACHE_MB", 32),
        # A Redis through which the serving processes share the guest pages they render
        # (cop/shared_pages.py): the message queue's when it is a Redis.
        "COP_GUEST_CACHE_SHARE": _env("GUEST_CACHE_SHARE") or shared_redis(_env("MESSAGE_QUEUE")),
        # Post cards' shared parts (author, text, files) and forum pages' rows kept per
        # worker process, for everyone's pages (cop/discussions/cards.py,
        # cop/spaces/rows.py; each up to this size; 0: off).
        "COP_CARD_CACHE_MB": _env_int("CARD_CACHE_MB", 16),
        # Consultations unanswered after this many working days (Mon-Fri) are overdue.
        "COP_RESPONSE_TARGET_WORKING_DAYS": _env_int("RESPONSE_TARGET_WORKING_DAYS", 2),
        "COP_LOGIN_LIMIT": _env("LOGIN_LIMIT", "10 per minute"),
        # Limits per person (guests: per address); docs/limits.md.
        "COP_LOGIN_ACCOUNT_LIMIT": _env("LOGIN_ACCOUNT_LIMIT", "10 per 15 minutes"),
        "COP_SEARCH_LIMIT": _env("SEARCH_LIMIT", "30 per 10 seconds"),
        "COP_POST_LIMIT": _env("POST_LIMIT", "60 per minute"),
        "COP_PREVIEW_LIMIT": _env("PREVIEW_LIMIT", "60 per minute"),
        "COP_SOCKETS_PER_USER": _env_int("SOCKETS_PER_USER", 20),
        # Search work per query: postings (term-document pairs) its terms may read, ~200 ms
        # warm at 100,000 posts on the loaded bench machine (bench/search/cost.py,
        # docs/limits.md), and index terms it may read (prefixes expand to many).
        "COP_SEARCH_MAX_POSTINGS": _env_int("SEARCH_MAX_POSTINGS", 50_000),
        "COP_SEARCH_MAX_TERMS": _env_int("SEARCH_MAX_TERMS", 200),
        "COP_OPEN_REGISTRATION": False,
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI")
        or shared_storage(_env("MESSAGE_QUEUE")),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis not answering: flask-limiter's limits count in memory meanwhile (as
        # cop/rate_limits.py does), and a dead host costs a second, not a hung request.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (nginx: 1);
        # 0 trusts none of those headers, which anyone can send (docs/security.md).
        "COP_PROXY_HOPS": _env_int("PROXY_HOPS", 0),
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
    }
    config.update(overrides)
    config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(config["SQLALCHEMY_DATABASE_URI"])
    )
    if config["COP_DATABASE_REPLICA_URL"]:
        config.setdefault("SQLALCHEMY_BINDS", {"replica": replica_options(config)})
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(instance_path)
    return config
