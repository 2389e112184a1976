"""Moving-window rate limits in Redis: every budget of a request spent in one round trip.

A request draws on several budgets at once (its session's and its address's). One script
checks them all and spends on all of them only if each has room, so a refused request spends
nothing; the answer is 0, or the seconds until the fullest window frees a place (Retry-After).
Each budget is a sorted set of request times, trimmed to its window, that expires with it.

flask-limiter did the same with a round trip per budget plus a third to read a window back for
its X-RateLimit headers, and most of a millisecond of Python per request.

While Redis is unreachable the same budgets count in this process's memory (per worker, so
an address may get a few times its budget): one WARNING when that starts, one INFO when Redis
answers again, asked at most every RETRY_SECONDS.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

import redis

from checkout_app.adapters.redis_client import REDIS_DOWN

log = logging.getLogger(__name__)
RETRY_SECONDS = 5.0
# KEYS: one sorted set per budget. ARGV: now (ms), a unique member, then per budget its
# amount and window (ms).
_SPEND = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= tonumber(ARGV[1 + 2 * i]) then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return math.max(1, math.ceil((tonumber(oldest[2]) + window - now) / 1000))
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, ARGV[2 + 2 * i])
end
return 0
"""


@dataclass(frozen=True)
class Budget:
    """`amount` requests per `seconds` for one key (a session, an address)."""

    key: str
    amount: int
    seconds: int


class RateLimits:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._spend = client.register_script(_SPEND)
        self._memory = MemoryWindows()
        self._lock = threading.Lock()
        self._down_until = 0.0  # monotonic; while in the future, count in memory

    def spend(self, budgets: list[Budget]) -> int:
        """Spend one request on every budget if each has room: 0; else nothing is spent and
        the answer is the seconds to wait."""
        now = time.monotonic()
        if now < self._down_until:
            return self._memory.spend(budgets)
        keys = [f"{self.prefix}{budget.key}" for budget in budgets]
        args: list[int | str] = [int(time.time() * 1000), secrets.token_hex(8)]
        for budget in budgets:
            args += [budget.amount, budget.seconds * 1000]
        try:
            wait = int(self._spend(keys=keys, args=args))
        except REDIS_DOWN as exc:
            self._went_down(now, exc)
            return self._memory.spend(budgets)
        if self._down_until:
            self._came_back()
        return wait

    def _went_down(self, now: float, exc: Exception) -> None:
        with self._lock:
            if not self._down_until:
                log.warning("rate limits count in memory: Redis unreachable (%s)", exc)
            self._down_until = now + RETRY_SECONDS

    def _came_back(self) -> None:
        with self._lock:
            if self._down_until:
                self._down_until = 0.0
                log.info("rate limits count in Redis again")


class MemoryWindows:
    """The same moving windows in this process's memory (the fallback while Redis is down)."""

    MAX_KEYS = 100_000

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def spend(self, budgets: list[Budget]) -> int:
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > self.MAX_KEYS:
                # Forget the budgets nobody drew on for an hour (a fallback may be approximate).
                self._hits = {k: h for k, h in self._hits.items() if h and h[-1] > now - 3600}
            windows = []
            for budget in budgets:
                hits = self._hits.setdefault(budget.key, deque())
                while hits and hits[0] <= now - budget.seconds:
                    hits.popleft()
                if len(hits) >= budget.amount:
                    return max(1, math.ceil(hits[0] + budget.seconds - now))
                windows.append(hits)
            for hits in windows:
                hits.append(now)
        return 0
