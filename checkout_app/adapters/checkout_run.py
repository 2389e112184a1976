"""The Redis side of one checkout in three round trips instead of a dozen.

1. `run()`: take the shopper's checkout lock (a lease, adapters/leases.py) and read the cart
   and where a rotated session moved to, in one pipeline; a lock already taken is retried.
2. `prepare()`: claim the seats in flight (adapters/seat_holds.py), copy the cart to the
   rotated session id and write the Stripe create down (adapters/stripe_attempts.py).
3. On leaving the block: drop the claims and, as the checkout ended, retire the old cart or
   delete the copy, cross the create off, and release the lock.
Each piece keeps its own module's rules and keys; this module only batches their commands.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import redis

from checkout_app.adapters.cart_store import MARKER, CartStore, stored_cart
from checkout_app.adapters.locks import POLL_SECONDS, RELEASE, Locks
from checkout_app.adapters.redis_client import REDIS_DOWN, cart_service_errors
from checkout_app.adapters.seat_holds import CLAIM, SeatHolds
from checkout_app.adapters.stripe_attempts import KEEP_SECONDS, StripeAttempts, attempt_value
from checkout_app.domain.cart import Cart, session_hash
from checkout_app.errors import CheckoutInProgress, ItemsUnavailable

log = logging.getLogger(__name__)


@dataclass
class CheckoutRun:
    """One checkout's Redis state: what it read under the lock and what it must undo."""

    cart: Cart
    moved_to: str | None  # the cart hash a rotated session id moved to, if any
    lock_key: str
    token: str
    claims: list[tuple[str, str]] = field(default_factory=list)  # (key, member)
    copy_key: str | None = None
    attempt: str | None = None
    # Set by the use case as the checkout ends.
    retire_to: str | None = None  # the order is written: retire the old cart to this hash
    forget_attempt: bool = False


class CheckoutRedis:
    def __init__(
        self,
        client: redis.Redis,
        carts: CartStore,
        locks: Locks,
        seat_holds: SeatHolds,
        attempts: StripeAttempts,
        moved_seconds: int,
    ) -> None:
        self.client = client
        self.carts = carts
        self.locks = locks
        self.seat_holds = seat_holds
        self.attempts = attempts
        self.moved_seconds = moved_seconds

    @contextmanager
    def run(
        self,
        session_id: str,
        lock_name: str,
        wait_seconds: float,
        check: Callable[[Cart | None], Cart],
    ) -> Iterator[CheckoutRun]:
        """Hold the shopper's lock with their cart read in the same round trip. `check`
        answers a missing or empty cart at once, locked or not (it raises)."""
        key = self.locks.key(lock_name)
        token = secrets.token_hex(16)
        cart_key = self.carts.key_for(session_id)
        moved_key = self.carts.moved_key(session_id)
        deadline = time.monotonic() + wait_seconds
        with cart_service_errors():
            while True:
                pipe = self.client.pipeline(transaction=False)
                pipe.set(key, token, nx=True, px=self.locks.leases.ttl_ms)
                pipe.hgetall(cart_key)
                pipe.get(moved_key)
                locked, fields, moved = pipe.execute()
                moved_to = moved.decode() if moved else None
                if fields:
                    cart = stored_cart(session_id, fields)
                else:
                    # Rotated away by an order just placed: a double submit may get it back.
                    cart = self.carts.load(session_id, moved_to) if moved_to else None
                try:
                    cart = check(cart)
                except BaseException:
                    if locked:
                        self._release(key, token)
                    raise
                if locked:
                    break
                if time.monotonic() >= deadline:
                    raise CheckoutInProgress()
                time.sleep(POLL_SECONDS)
        lease = self.locks.leases.keep(key, token)
        state = CheckoutRun(cart, moved_to, key, token)
        try:
            yield state
        finally:
            self.locks.leases.drop(lease)
            self._finish(state)

    def prepare(
        self,
        state: CheckoutRun,
        claim_id: str,
        wanted: dict[uuid.UUID, int],
        seats_left: dict[uuid.UUID, int],
        ttl_seconds: float,
        copy_to: str | None,
        attempt: tuple[uuid.UUID, str, dict[str, Any]],
    ) -> None:
        """Claim `wanted` seats (ItemsUnavailable when checkouts in flight hold what is
        left), copy the cart to session `copy_to`, and record the Stripe create."""
        now_ms = int(time.time() * 1000)
        ttl_ms = int(ttl_seconds * 1000)
        pipe = self.client.pipeline(transaction=False)
        claims = sorted(wanted.items())
        for event_id, seats in claims:
            args = [claim_id, seats, seats_left[event_id], now_ms, ttl_ms]
            pipe.eval(CLAIM, 1, self.seat_holds.key(event_id), *args)
        if copy_to is not None:
            new_key = self.carts.key_for(copy_to)
            lines = {line.key.field: line.quantity for line in state.cart.lines}
            pipe.delete(new_key)
            pipe.hset(new_key, mapping={MARKER: "1", **lines})
            pipe.expire(new_key, self.carts.ttl_seconds)
        order_id, cart_hash, params = attempt
        pipe.hset(self.attempts.key, str(order_id), attempt_value(cart_hash, params))
        pipe.expire(self.attempts.key, KEEP_SECONDS)
        with cart_service_errors():
            answers = pipe.execute()
        # Written even when a claim was refused: _finish undoes them with the lock release.
        state.copy_key = self.carts.key_for(copy_to) if copy_to is not None else None
        state.attempt = str(order_id)
        refused = False
        for (event_id, seats), granted in zip(claims, answers, strict=False):
            if granted:
                state.claims.append((self.seat_holds.key(event_id), f"{claim_id}:{seats}"))
            else:
                refused = True
        if refused:
            state.forget_attempt = True  # Stripe was never called
            raise ItemsUnavailable(detail="seats claimed by checkouts in flight")

    def _finish(self, state: CheckoutRun) -> None:
        """One pipeline: drop the claims, settle the cart copy and the create record, unlock.
        If Redis is down now, claims and the lock lapse with their TTLs."""
        pipe = self.client.pipeline(transaction=False)
        for key, member in state.claims:
            pipe.zrem(key, member)
        if state.retire_to is not None:
            # The order is written: whoever still holds the old id no longer sees the cart.
            pipe.delete(self.carts.key_for(state.cart.session_id))
            pipe.set(
                self.carts.moved_key(state.cart.session_id), state.retire_to, ex=self.moved_seconds
            )
        elif state.copy_key is not None:
            pipe.delete(state.copy_key)  # not written: the shopper's cart stays where it was
        if state.attempt is not None and state.forget_attempt:
            pipe.hdel(self.attempts.key, state.attempt)
        pipe.eval(RELEASE, 1, state.lock_key, state.token)
        try:
            pipe.execute()
        except REDIS_DOWN as exc:
            log.warning("checkout clean-up skipped, Redis unavailable: %s", exc)

    def _release(self, key: str, token: str) -> None:
        try:
            self.client.eval(RELEASE, 1, key, token)
        except REDIS_DOWN as exc:
            log.warning("lock release skipped, Redis unavailable: %s", exc)


def cart_hash_of(state: CheckoutRun) -> str:
    """The hash the shopper's cart lives under (a rotated id's: where it moved)."""
    return state.moved_to or session_hash(state.cart.session_id)
