"""A small time-limited cache of positive look-ups (a token's user, an operation for a member).

Every request needs both; caching them for a few seconds saves two database transactions per
request. Only successes are cached, so a new member or a new token works at once; a change to
an existing user or membership takes effect within ``ttl_s``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Any

__all__ = ["TTLCache", "app_cache"]


class TTLCache:
    """Thread-safe mapping whose entries expire ``ttl_s`` seconds after they were stored."""

    def __init__(self, *, ttl_s: float = 10.0, max_entries: int = 10_000) -> None:
        self._ttl_s = ttl_s
        self._max = max_entries
        self._data: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._generation = 0  # bumped by clear(): a look-up begun before it is not stored

    @property
    def generation(self) -> int:
        """Read before a database look-up and give it to :meth:`put`: a value looked up before
        a :meth:`clear` (say, a user whose token was revoked meanwhile) is then not cached."""
        return self._generation

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._data[key]
                return None
            return entry[1]

    def put(self, key: Hashable, value: Any, *, generation: int | None = None) -> None:
        with self._lock:
            if generation is not None and generation != self._generation:
                return  # cleared since the look-up began: the value may be stale
            if len(self._data) >= self._max:
                self._data.clear()  # crude, but bounded; the cache only saves look-ups
            self._data[key] = (time.monotonic() + self._ttl_s, value)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._generation += 1


_CREATE = threading.Lock()


def app_cache(state: Any, name: str, *, ttl_s: float = 60.0) -> TTLCache:
    """The cache ``name`` kept on an app's ``state``, made on first use.

    For look-ups of things that never change once made (a corridor's id for its code, an
    organisation's code), so a long ``ttl_s`` only bounds memory, never staleness.
    """
    cache: TTLCache | None = getattr(state, name, None)
    if cache is None:
        with _CREATE:
            cache = getattr(state, name, None)
            if cache is None:
                cache = TTLCache(ttl_s=ttl_s)
                setattr(state, name, cache)
    return cache
