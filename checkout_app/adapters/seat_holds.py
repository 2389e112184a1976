"""In-flight seat claims in Redis: a flash sale turns away the checkouts that cannot win.

Between its seat check and its commit a checkout spends a Stripe round trip. Without this,
every shopper who read "40 seats left" would open a Stripe session and most would then be
refused under the row lock (one more Stripe call each, to expire the session). A claim
counts the seats of checkouts in flight, so only as many as the seats left go on to Stripe.
It is admission control only: the database row lock stays the authority. A checkout claims
and releases in the same round trips as its other Redis work (adapters/checkout_run.py).
"""

from __future__ import annotations

import uuid

import redis

# A Lua function for the checkout's scripts (adapters/checkout_run.py): `key` is a sorted set
# per event, member "<claim>:<seats>", score = its expiry (ms). 1 when the seats are claimed,
# 0 when the claims in flight leave fewer than `seats` of the `left` the database counted.
CLAIM = """
local function claim(key, member, seats, left, now, ttl)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local claimed = 0
  for _, held in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    claimed = claimed + tonumber(string.match(held, ':(%d+)$'))
  end
  if claimed + seats > left then return 0 end
  redis.call('ZADD', key, now + ttl, member)
  redis.call('PEXPIRE', key, ttl)
  return 1
end
"""


class SeatHolds:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def key(self, event_id: uuid.UUID) -> str:
        """One key per event (its own hash slot under Redis Cluster)."""
        return f"{self.prefix}seats:{{{event_id}}}"
