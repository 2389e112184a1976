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

A route whose first Redis call is a script of its own (the checkout's lock and cart read) can
have that script spend the budgets instead, saving the round trip: the route's limit `defer`s a
`Spend`, the script carries `SPEND` (the same check, the same keys) and reports the outcome, and
the limit `settle`s what no script spent once the view is done. A view only gets past its
first Redis call by spending, so the answer is the one spending first would have given.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import redis

from checkout_app.adapters.redis_client import REDIS_DOWN

log = logging.getLogger(__name__)
RETRY_SECONDS = 5.0
# `spend(k, a)`: KEYS[k..] one sorted set per budget; ARGV[a] now (ms), ARGV[a + 1] a unique
# member, then per budget its amount and window (ms). Spends on every budget if each has room:
# 0; else nothing is spent and the answer is the seconds until the fullest window frees a place.
SPEND = """
local function spend(k, a)
  local now = tonumber(ARGV[a])
  for i = k, #KEYS do
    local amount, window = tonumber(ARGV[a + 2 * (i - k) + 2]), tonumber(ARGV[a + 2 * (i - k) + 3])
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
    if redis.call('ZCARD', KEYS[i]) >= amount then
      local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
      return math.max(1, math.ceil((tonumber(oldest[2]) + window - now) / 1000))
    end
  end
  for i = k, #KEYS do
    redis.call('ZADD', KEYS[i], now, ARGV[a + 1])
    redis.call('PEXPIRE', KEYS[i], ARGV[a + 2 * (i - k) + 3])
  end
  return 0
end
"""
_SPEND_ALONE = SPEND + "return spend(1, 1)"


@dataclass(frozen=True)
class Budget:
    """`amount` requests per `seconds` for one key (a session, an address)."""

    key: str
    amount: int
    seconds: int


@dataclass
class Spend:
    """A request's budgets, to be spent by the first script its view sends to Redis."""

    budgets: list[Budget]
    wait: int | None = None  # None until spent: 0, or the seconds to wait


class RateLimited(Exception):
    """A script refused a deferred spend: nothing was spent and nothing else was done."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"retry after {wait} s")
        self.wait = wait


_PENDING: ContextVar[Spend | None] = ContextVar("pending_spend", default=None)


def pending() -> Spend | None:
    """The spend the current request's route deferred to its first script, if still unspent."""
    spend = _PENDING.get()
    return spend if spend is not None and spend.wait is None else None


@contextmanager
def deferred_to_scripts(spend: Spend) -> Iterator[None]:
    token = _PENDING.set(spend)
    try:
        yield
    finally:
        _PENDING.reset(token)


class RateLimits:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._spend = client.register_script(_SPEND_ALONE)
        self._memory = MemoryWindows()
        self._lock = threading.Lock()
        self._down_until = 0.0  # monotonic; while in the future, count in memory

    def spend(self, budgets: list[Budget]) -> int:
        """Spend one request on every budget if each has room: 0; else nothing is spent and
        the answer is the seconds to wait."""
        now = time.monotonic()
        if now < self._down_until:
            return self._memory.spend(budgets)
        keys, args = self.script_part(budgets)
        try:
            wait = int(self._spend(keys=keys, args=args))
        except REDIS_DOWN as exc:
            self._went_down(now, exc)
            return self._memory.spend(budgets)
        if self._down_until:
            self._came_back()
        return wait

    def script_part(self, budgets: list[Budget]) -> tuple[list[str], list[int | str]]:
        """The KEYS and ARGV of `spend(k, a)` for `budgets`."""
        keys = [f"{self.prefix}{budget.key}" for budget in budgets]
        args: list[int | str] = [int(time.time() * 1000), secrets.token_hex(8)]
        for budget in budgets:
            args += [budget.amount, budget.seconds * 1000]
        return keys, args

    def defer(self, budgets: list[Budget]) -> Spend | None:
        """A spend for the view's first script; None while counting in memory (spend now)."""
        return Spend(budgets) if time.monotonic() >= self._down_until else None

    def spent(self, spend: Spend, wait: int) -> None:
        """A script spent `spend`: 0, or refused it with the seconds to wait."""
        spend.wait = wait
        if self._down_until:
            self._came_back()

    def unsent(self, spend: Spend, exc: Exception) -> None:
        """The script carrying `spend` found Redis down: count it in memory, as `spend` would."""
        self._went_down(time.monotonic(), exc)
        spend.wait = self._memory.spend(spend.budgets)

    def settle(self, spend: Spend) -> int:
        """Spend now what no script spent (the view stopped before its first script)."""
        if spend.wait is None:
            spend.wait = self.spend(spend.budgets)
        return spend.wait

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
