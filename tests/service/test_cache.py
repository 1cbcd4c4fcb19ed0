"""The look-up cache: a value looked up before a clear (a revoke) is not stored after it."""

from __future__ import annotations

from safepassage.api.cache import TTLCache


def test_a_look_up_begun_before_a_clear_is_not_cached():
    cache = TTLCache(ttl_s=10.0)
    generation = cache.generation  # a request starts looking the token up
    cache.clear()  # meanwhile the token is revoked, and the cache cleared
    cache.put("token", "user as it was", generation=generation)
    assert cache.get("token") is None
    cache.put("token", "user", generation=cache.generation)
    assert cache.get("token") == "user"


def test_entries_expire():
    cache = TTLCache(ttl_s=-1.0)  # already expired when stored
    cache.put("key", "value")
    assert cache.get("key") is None
