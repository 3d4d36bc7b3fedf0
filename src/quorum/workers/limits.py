"""Per-host politeness shared by every fetch worker, kept in Redis.

A worker's own ``Fetcher`` limits requests per host inside one process; with several
workers on several machines those limits would add up. ``SharedFetcher`` swaps each
host's gate for one whose state lives in Redis: a sorted set of leased slots
(``per_host_concurrency``) and the earliest next start (``per_host_delay``, raised by a
robots.txt Crawl-delay), both updated in one Lua script with Redis's clock, so the limits
hold over all workers together. A lease outlives the longest request a worker may make,
so a SIGKILLed worker's slot frees itself.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from quorum.fetch import Fetcher
from quorum.settings import Config

# KEYS: slots (sorted set of token -> lease end, ms), next start (ms).
# ARGV: token, concurrency, delay ms, lease ms. Returns 0 (slot taken), or ms to wait
# (-1: every slot is taken).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return nxt - now end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
local delay = tonumber(ARGV[3])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay) end
return 0
"""
_POLL = 0.05  # seconds between two tries while every slot of a host is taken
PREFIX = "quorum:host:"


class SharedHostGate:
    """The same interface as the fetcher's own per-host gate, over Redis."""

    def __init__(self, redis: Any, host: str, concurrency: int, delay: float, lease: float):
        self.delay = delay  # the fetcher raises it to a robots.txt Crawl-delay
        self._redis = redis
        self._keys = [f"{PREFIX}{host}:slots", f"{PREFIX}{host}:next"]
        self._concurrency = max(1, concurrency)
        self._lease_ms = int(lease * 1000)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        token = uuid.uuid4().hex
        while True:
            args = [token, self._concurrency, int(self.delay * 1000), self._lease_ms]
            wait = int(await self._redis.eval(_TAKE, 2, *self._keys, *args))
            if wait == 0:
                break
            await asyncio.sleep(_POLL if wait < 0 else wait / 1000)
        try:
            yield
        finally:
            await self._redis.zrem(self._keys[0], token)


class SharedFetcher(Fetcher):
    """A ``Fetcher`` whose per-host limits are shared through Redis at ``url``."""

    def __init__(self, config: Config, url: str) -> None:
        import redis.asyncio as aioredis

        super().__init__(config)
        self._redis = aioredis.from_url(url)
        # a request (with its retries' waits) never holds a slot longer than this
        self._lease = float(config.connect_timeout) + float(config.read_timeout) + 5.0

    def _gate(self, host: str) -> SharedHostGate:  # type: ignore[override]
        host = host.lower()
        if host not in self._gates:
            self._gates[host] = SharedHostGate(  # type: ignore[assignment]
                self._redis,
                host,
                int(self._config.per_host_concurrency),
                float(self._config.per_host_delay),
                self._lease,
            )
        return self._gates[host]  # type: ignore[return-value]

    async def aclose(self) -> None:
        await super().aclose()
        await self._redis.aclose()


def fetcher_for(config: Config) -> Fetcher:
    """The fetcher of a worker: per-host limits shared through Redis when
    ``shared_limits_url`` is set, else this process's own."""
    url = str(config.shared_limits_url or "")
    return SharedFetcher(config, url) if url else Fetcher(config)
