"""Stripe session creates that may have left a session without an order, kept in Redis.

Every create is written down (order id, the exact parameters, hence its idempotency key) before
Stripe is called and crossed off once the order is committed or its session expired. What stays
is a create that timed out, a failed order write whose expiry failed too, or a worker that died
in between: `flask expire-stale-orders` replays each such create under the same idempotency key
(Stripe answers with the session it made, if any) and expires the session.

Redis rather than a table: the record must be writable when the order write fails, which is when
PostgreSQL is the one in trouble, while a checkout already needs Redis for its lock; and it costs
one HSET/HDEL instead of a second transaction on the hot path. A hash with a 7-day TTL (Stripe
keeps idempotency keys for 24 h) is plenty for a pass that runs every few minutes.
"""

from __future__ import annotations

import json
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import redis

KEEP_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Attempt:
    order_id: uuid.UUID
    cart_hash: str
    params: dict[str, Any]
    at: float


def attempt_value(cart_hash: str, params: dict[str, Any]) -> str:
    """How one create is written down."""
    return json.dumps({"cart": cart_hash, "params": params, "at": time.time()})


class StripeAttempts:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.key = f"{prefix}stripe-attempts"

    def forget(self, order_id: uuid.UUID) -> None:
        """Cross a create off; if Redis is down now the next pass finds its order and does it."""
        with suppress(redis.ConnectionError, redis.TimeoutError):
            self.client.hdel(self.key, str(order_id))

    def pending(self) -> list[Attempt]:
        """Every create not crossed off yet, oldest first."""
        attempts = []
        for field, value in self.client.hgetall(self.key).items():
            data = json.loads(value)
            attempts.append(
                Attempt(uuid.UUID(field.decode()), data["cart"], data["params"], data["at"])
            )
        return sorted(attempts, key=lambda a: a.at)
