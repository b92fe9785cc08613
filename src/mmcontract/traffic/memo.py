"""Small bounded caches for judging repeated traffic (a proxy under load sees the same answer many times).

Each lives on one judging `Context` (never module-wide), so two sessions share nothing and a long-running
proxy's memory stays flat: a cache holds at most `entries` items and `weight` bytes of the bodies it keys on.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

MISSING: Any = object()


class Bounded(Generic[K, V]):
    """A least-recently-used map bounded by its number of entries and by the total weight of what it holds."""

    def __init__(self, entries: int, weight: int) -> None:
        self.max_entries = entries
        self.max_weight = weight
        self.weight = 0
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K, default: Any = MISSING) -> V | Any:
        found = self._items.get(key)
        if found is None:
            return default
        self._items.move_to_end(key)
        return found[0]

    def put(self, key: K, value: V, weight: int = 0) -> None:
        if weight > self.max_weight:  # one huge body would evict everything: judge it uncached
            return
        old = self._items.pop(key, None)
        if old is not None:
            self.weight -= old[1]
        self._items[key] = (value, weight)
        self.weight += weight
        while len(self._items) > self.max_entries or self.weight > self.max_weight:
            _, (_, dropped) = self._items.popitem(last=False)
            self.weight -= dropped


def parse_json(raw: bytes) -> Any:
    """A body as JSON (None when it is empty or not JSON)."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


# Below this a parse costs about what the lookup does (the bytes must be hashed): not worth an entry.
SHARE_FROM = 1024


class SharedJson:
    """Parsed bodies shared by exchanges whose bytes are equal, so a repeated answer is parsed once.

    Safe only because no judgement mutates a parsed body (they read; every list or dict they build is new).
    A parse takes a few times its bytes in memory (2-4x on the reference server's answers), hence a tighter
    weight than the schema memo's, which keeps only the bytes."""

    def __init__(self, entries: int = 64, weight: int = 8 << 20) -> None:
        self.cache: Bounded[bytes, Any] = Bounded(entries, weight)

    def parse(self, raw: bytes) -> Any:
        if len(raw) < SHARE_FROM:
            return parse_json(raw)
        found = self.cache.get(raw)
        if found is MISSING:
            found = parse_json(raw)
            self.cache.put(raw, found, len(raw))
        return found
