"""A per-process LRU of rendered text, bounded by its size in characters: the kept post
cards (cop/discussions/cards.py) and forum rows (cop/spaces/rows.py). Their keys hold
every input of the rendering, so a stale entry is never looked up again and leaves by the
LRU; nothing here needs to know what is kept."""

import threading
from collections import OrderedDict


class SizedLRU:
    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.items: OrderedDict[tuple, tuple[tuple, int]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: tuple) -> tuple | None:
        with self.lock:
            found = self.items.get(key)
            if found is None:
                return None
            self.items.move_to_end(key)
            return found[0]

    def put(self, key: tuple, parts: tuple[str, ...], key_chars: int = 0) -> None:
        """Keep the parts; `key_chars` counts a long text held in the key. One entry
        larger than an eighth of the bound is not kept (it would empty the cache)."""
        size = sum(len(part) for part in parts) + key_chars
        if size > self.max_chars // 8:
            return
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self.items[key] = (parts, size)
            self.size += size
            while self.size > self.max_chars:
                _key, dropped = self.items.popitem(last=False)
                self.size -= dropped[1]
