"""Guest pages shared by the serving processes through the message queue's Redis, so that
a page outdated by a write is rendered once for all of them (cop/guest_cache.py).

Each process keeps its own pages in memory. When a kept page is outdated, the process
first looks here for the page another process has rendered since, under the same key and
both counters (part of the Redis key: a look for a page not rendered yet moves no page);
if there is none, it claims the render (a key that expires after CLAIM_SECONDS, in case
its process dies), renders, and leaves the page here for KEEP_SECONDS, long enough for
the other processes' next guests. While another process holds the claim, the guest cache
may answer with its own outdated copy.

Redis not answering: each look costs at most its one-second timeout (an instant where
nothing listens), and the cache renders as it would alone: a claim that cannot be taken
counts as taken by this process.
"""

import hashlib
import json

import redis

CLAIM_SECONDS = 10
KEEP_SECONDS = 5


class SharedPages:
    def __init__(self, url: str, namespace: str) -> None:
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.prefix = f"cop:guest-page:{namespace}:"

    def _name(self, key: tuple) -> str:
        return self.prefix + hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()

    def take(self, key: tuple, generation: tuple) -> tuple[tuple[dict, bytes] | None, bool]:
        """The page another process left for `key` at `generation` (its facts: status,
        headers, etag; and its body), else whether this process may render it now (no
        other process is rendering it). One round trip: the claim, then the look; a
        renderer leaves its page before it gives the claim back, so a claim taken after
        that finds the page (and is given back)."""
        name = self._name(key)
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(name + ":r", 1, nx=True, ex=CLAIM_SECONDS)
                pipe.get(name + _suffix(generation))
                claimed, blob = pipe.execute()
            if blob is not None and claimed:
                self.redis.delete(name + ":r")
        except redis.RedisError:
            return None, True
        if blob is None:
            return None, bool(claimed)
        head, _newline, body = blob.partition(b"\n")
        return (json.loads(head), body), False

    def put(self, key: tuple, generation: tuple, facts: dict | None, body: bytes) -> None:
        """Leave the page rendered for `key` at `generation` (facts None: not kept,
        nothing to share) and give the claim back."""
        name = self._name(key)
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                if facts is not None:
                    blob = json.dumps(facts).encode() + b"\n" + body
                    pipe.set(name + _suffix(generation), blob, ex=KEEP_SECONDS)
                pipe.delete(name + ":r")
                pipe.execute()
        except redis.RedisError:
            pass  # the claim expires; the other processes render the page themselves


def _suffix(generation: tuple) -> str:
    return ":" + ".".join(str(n) for n in generation)
