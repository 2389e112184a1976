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

# KEYS[1] a sorted set per event: member "<claim>:<seats>", score = expiry (ms).
# ARGV: claim id, seats wanted, seats left in the database, now (ms), ttl (ms).
CLAIM = """
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

    def key(self, event_id: uuid.UUID) -> str:
        """One key per event (its own hash slot under Redis Cluster)."""
        return f"{self.prefix}seats:{{{event_id}}}"
