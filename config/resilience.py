"""Redis is a helper, never the truth: while it is down, pages keep serving from PostgreSQL.

Everything Vigie keeps in Redis besides the task queue is disposable: shared counters cached a few
seconds, who is looking at a conversation. One mechanism guards every such read and write:

- the `default` cache is `ResilientRedisCache`: a failed read is a miss, a failed write is skipped;
- Redis-backed helpers elsewhere (presence) run through `guarded_async`, with a fallback value.

Each failure is remembered for a short while (`redis_recently_down`), so that the page rendered
meanwhile can say that it is not live (the stale banner), and so that a dead Redis is not asked
again on every cache call of the same request (each try may cost a connection timeout).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# What a Redis that is stopped, restarting or unreachable raises (redis-py's own errors, and the
# socket errors some code paths let through).
REDIS_ERRORS: tuple[type[BaseException], ...] = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                                                 redis.exceptions.BusyLoadingError, ConnectionError, TimeoutError)

# After a failure, Redis is not asked again for this long: one page makes several cache calls.
RETRY_AFTER_S = 1.0
# A page rendered this long after the last failure still says that it may be stale.
OUTAGE_SHOWN_S = 10.0

_last_failure = 0.0  # time.monotonic() of the last failure, 0 when none


def redis_failed(error: BaseException, what: str) -> None:
    global _last_failure
    now = time.monotonic()
    if now - _last_failure > OUTAGE_SHOWN_S:  # once per outage in the log, not once per call
        logger.warning("Redis unavailable (%s: %s): serving from PostgreSQL", what, error.__class__.__name__)
    _last_failure = now


def redis_recently_down(within_s: float = OUTAGE_SHOWN_S) -> bool:
    return _last_failure != 0.0 and time.monotonic() - _last_failure < within_s


def _skipping() -> bool:
    return redis_recently_down(RETRY_AFTER_S)


def reset() -> None:
    """Forget past failures (tests, and a process that knows Redis is back)."""
    global _last_failure
    _last_failure = 0.0


def guarded[T](what: str, fallback: T, call: Callable[[], T]) -> T:
    if _skipping():
        return fallback
    try:
        return call()
    except REDIS_ERRORS as error:
        redis_failed(error, what)
        return fallback


def guarded_async(fallback: Any):
    """Decorates a coroutine function that talks to Redis: on failure it returns `fallback`."""

    def decorate(function: Callable[..., Awaitable[Any]]):
        @functools.wraps(function)
        async def wrapper(*args, **kwargs):
            if _skipping():
                return fallback
            try:
                return await function(*args, **kwargs)
            except REDIS_ERRORS as error:
                redis_failed(error, function.__qualname__)
                return fallback

        return wrapper

    return decorate


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, where Redis being down reads as a miss and writes as a no-op."""

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return guarded("cache.add", False, lambda: super(ResilientRedisCache, self).add(key, value, timeout, version))

    def get(self, key, default=None, version=None):
        return guarded("cache.get", default, lambda: super(ResilientRedisCache, self).get(key, default, version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return guarded("cache.set", None, lambda: super(ResilientRedisCache, self).set(key, value, timeout, version))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return guarded("cache.touch", False, lambda: super(ResilientRedisCache, self).touch(key, timeout, version))

    def delete(self, key, version=None):
        return guarded("cache.delete", False, lambda: super(ResilientRedisCache, self).delete(key, version))

    def get_many(self, keys, version=None):
        return guarded("cache.get_many", {}, lambda: super(ResilientRedisCache, self).get_many(keys, version))

    def has_key(self, key, version=None):
        return guarded("cache.has_key", False, lambda: super(ResilientRedisCache, self).has_key(key, version))

    def incr(self, key, delta=1, version=None):
        # A counter that cannot be read is not there: the caller's "missing key" path.
        result = guarded("cache.incr", None, lambda: super(ResilientRedisCache, self).incr(key, delta, version))
        if result is None:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return guarded("cache.set_many", list(data),
                       lambda: super(ResilientRedisCache, self).set_many(data, timeout, version))

    def delete_many(self, keys, version=None):
        return guarded("cache.delete_many", None, lambda: super(ResilientRedisCache, self).delete_many(keys, version))

    def clear(self):
        return guarded("cache.clear", False, lambda: super(ResilientRedisCache, self).clear())
