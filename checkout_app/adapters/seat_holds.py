"""In-flight seat claims in Redis: a flash sale turns away the checkouts that cannot win.

Between its seat check and its commit a checkout spends a Stripe round trip. Without this,
every shopper who read "40 seats left" would open a Stripe session and most would then be
refused under the row lock (one more Stripe call each, to expire the session). A claim
counts the seats of checkouts in flight, so only as many as the seats left go on to Stripe.
It is admission control only: the database row lock stays the authority, and if Redis
fails the claim is skipped, never the checkout.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import redis

from checkout_app.adapters.redis_client import REDIS_DOWN
from checkout_app.errors import ItemsUnavailable

log = logging.getLogger(__name__)
# KEYS[1] a sorted set per event: member "<claim>:<seats>", score = expiry (ms).
# ARGV: claim id, seats wanted, seats left in the database, now (ms), ttl (ms).
_CLAIM = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
local claimed = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  claimed = claimed + tonumber(string.match(member, ':(%d+)$'))
end
if claimed + tonumber(ARGV[2]) > tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[4]) + tonumber(ARGV[5]), ARGV[1] .. ':' .. ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""


class SeatHolds:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._claim = client.register_script(_CLAIM)

    def key(self, event_id: uuid.UUID) -> str:
        """One key per event (its own hash slot under Redis Cluster)."""
        return f"{self.prefix}seats:{{{event_id}}}"

    @contextmanager
    def claim(
        self,
        claim_id: str,
        wanted: dict[uuid.UUID, int],
        seats_left: dict[uuid.UUID, int],
        ttl_seconds: float,
    ) -> Iterator[None]:
        """Claim `wanted` seats per event for the block, or ItemsUnavailable when checkouts
        in flight already claim what the database says is left."""
        held: list[tuple[uuid.UUID, str]] = []
        try:
            for event_id, seats in sorted(wanted.items()):
                if not self._try(event_id, claim_id, seats, seats_left[event_id], ttl_seconds):
                    raise ItemsUnavailable(detail="seats claimed by checkouts in flight")
                held.append((event_id, f"{claim_id}:{seats}"))
            yield
        finally:
            for event_id, member in held:
                # A claim that cannot be removed lapses with its TTL.
                with suppress(*REDIS_DOWN):
                    self.client.zrem(self.key(event_id), member)

    def _try(
        self, event_id: uuid.UUID, claim_id: str, seats: int, left: int, ttl_seconds: float
    ) -> bool:
        now_ms = int(time.time() * 1000)
        try:
            return bool(
                self._claim(
                    keys=[self.key(event_id)],
                    args=[claim_id, seats, left, now_ms, int(ttl_seconds * 1000)],
                )
            )
        except REDIS_DOWN as exc:
            log.warning("seat claim skipped, Redis unavailable: %s", exc)
            return True
