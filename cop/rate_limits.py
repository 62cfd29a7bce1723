"""Per-person limits against abuse, kept in flask-limiter's storage (RATELIMIT_STORAGE_URI:
memory in one process, Redis when several share them). Settings: docs/limits.md.

When Redis does not answer, the limits are counted in this process's memory until it does
(one log line per LOG_EVERY seconds): a person is then held to the limit per worker
instead of across them, and nobody gets a 500 or a 503 for a component that only counts.
flask-limiter's own limits (sign-in per address) do the same (RATELIMIT_SWALLOW_ERRORS,
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED in cop/config.py)."""

import math
import time

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import MemoryStorage
from redis.exceptions import RedisError

from cop.errors import AppError
from cop.extensions import limiter


class RateLimited(AppError):
    status = 429
    default_message = _l("Too many at once: wait a little and try again.")

    def __init__(self, retry_after: int, message: str | None = None):
        super().__init__(message)
        self.retry_after = max(1, retry_after)

    def headers(self) -> list[tuple[str, str]]:
        return [("Retry-After", str(self.retry_after))]


LOG_EVERY = 60.0  # seconds between two log lines about the storage not answering
_FALLBACK = "cop.rate_limits.fallback"


def _local():
    """This process's stand-in for the shared storage: (strategy, storage, last logged)."""
    local = current_app.extensions.get(_FALLBACK)
    if local is None:
        storage = MemoryStorage()
        local = current_app.extensions[_FALLBACK] = [type(limiter.limiter)(storage), storage, 0.0]
    return local


def _unreachable(error: RedisError) -> list:
    local = _local()
    now = time.monotonic()
    if now - local[2] >= LOG_EVERY:
        local[2] = now
        current_app.logger.warning(
            "rate-limit storage not answering (%s): limits counted per process until it does",
            error,
        )
    return local


def _limit(method: str, *args):
    """limiter.limiter's `method`, or the local stand-in's when the storage fails."""
    try:
        return getattr(limiter.limiter, method)(*args)
    except RedisError as error:
        return getattr(_unreachable(error)[0], method)(*args)


def _incr(key: str, amount: int) -> int:
    try:
        return limiter.storage.incr(key, SOCKET_COUNT_SECONDS, amount)
    except RedisError as error:
        return _unreachable(error)[1].incr(key, SOCKET_COUNT_SECONDS, amount)


def _item(setting: str):
    return parse(current_app.config[setting])


def _wait(item, scope: str, who: str) -> int:
    reset_at, _remaining = _limit("get_window_stats", item, "cop", scope, who)
    return math.ceil(reset_at - time.time())


def hit(setting: str, scope: str, who: str, message: str | None = None) -> None:
    """Count one `scope` action of `who` against the limit in config[setting]; past it,
    RateLimited with the seconds until the window lets one more through."""
    item = _item(setting)
    if not _limit("hit", item, "cop", scope, who):
        raise RateLimited(_wait(item, scope, who), message)


def check(setting: str, scope: str, who: str, message: str | None = None) -> None:
    """RateLimited if `who` has used up the limit, without counting this one."""
    item = _item(setting)
    if not _limit("test", item, "cop", scope, who):
        raise RateLimited(_wait(item, scope, who), message)


def count(setting: str, scope: str, who: str) -> bool:
    """Count one against the limit; False once this one used it up."""
    item = _item(setting)
    _limit("hit", item, "cop", scope, who)
    return _limit("test", item, "cop", scope, who)


def posting(user) -> None:
    """One more discussion or reply by the person (COP_POST_LIMIT). Asked where a request
    posts (page, API), not in the services, which also serve seeding and archiving."""
    hit("COP_POST_LIMIT", "post", requester(user))


def requester(user) -> str:
    """Who a limit counts: the signed-in person, or else a guest's address."""
    if user is not None and user.is_authenticated:
        return f"user:{user.id}"
    return f"addr:{get_remote_address() if request else 'none'}"


# A process that dies without its sockets' disconnects leaves them counted until the
# count expires, at most this long after the person's first connection.
SOCKET_COUNT_SECONDS = 24 * 3600


def _sockets_key(user_id: int) -> str:
    return f"cop/sockets/user:{user_id}"


def open_socket(user_id: int) -> bool:
    """Count one more connection of the person, across processes; False (and not counted)
    past COP_SOCKETS_PER_USER."""
    key = _sockets_key(user_id)
    if _incr(key, 1) <= current_app.config["COP_SOCKETS_PER_USER"]:
        return True
    _incr(key, -1)
    return False


def close_socket(user_id: int) -> None:
    _incr(_sockets_key(user_id), -1)
