"""The user's SearchScope, its memberships part cached per process until a write that may
change it commits anywhere.

`policy.memberships_scope` takes six queries; every search needs it. It depends only on
memberships, roles, spaces, forum settings and course modules, never on what people write.
So it is cached under cop/access_counter.py's counter, which every transaction writing
to a table that may change it moves, in the same transaction. A search reads the value
first (one primary-key read), then uses the cached part computed under that value or
computes it; stored under the value read *before* computing it, an entry is never newer
than its key says. Posts, replies, reactions and live questions, the writes that happen
all the time, leave the cache alone. The `unlocked` Q&A discussions change with the user's
own posts and with time, so they are read on every search (one query, and only for users
who may read a Q&A forum), as are the `timed_out` ones (one query over timed discussions).
"""

import threading
from collections import OrderedDict
from dataclasses import replace

from flask import current_app

from cop import policy
from cop.access_counter import generation

CACHED_USERS = 1024


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.scopes: OrderedDict = OrderedDict()


def _cache() -> _Cache:
    app = current_app._get_current_object()
    return app.extensions.setdefault("cop_search_scopes", _Cache())


def search_scope(user) -> policy.SearchScope:
    """`policy.search_scope(user)`, its memberships part from the cache when still valid."""
    current = generation()
    key = (user.id, user.role) if getattr(user, "is_authenticated", False) else None
    cache = _cache()
    scope = None
    if current is not None:
        with cache.lock:
            found = cache.scopes.get(key)
            if found is not None and found[0] == current:
                cache.scopes.move_to_end(key)
                scope = found[1]
    if scope is None:
        scope = policy.memberships_scope(user)
        if current is not None:
            with cache.lock:
                cache.scopes[key] = (current, scope)
                cache.scopes.move_to_end(key)
                while len(cache.scopes) > CACHED_USERS:
                    cache.scopes.popitem(last=False)
    return replace(
        scope,
        unlocked=policy.unlocked_discussions(user, scope.qanda),
        timed_out=policy.timed_out_discussions(scope),
    )
