"""The Redis side of one checkout in three round trips, one script each, instead of a dozen.

1. `run()`: spend the route's rate limits (adapters/rate_limits.py), take the shopper's
   checkout lock (a lease, adapters/leases.py) and read the cart, where a rotated session moved
   to, and where an unfinished checkout was moving it; a lock already taken is retried.
2. `prepare()`: claim the seats in flight (adapters/seat_holds.py), copy the cart to the
   rotated session id and note that hash as "rotating", and write the Stripe create down
   (adapters/stripe_attempts.py); a refused claim writes nothing.
3. On leaving the block: drop the claims and, as the checkout ended, retire the old cart or
   delete the copy, clear the "rotating" note once settled, cross the create off, and release
   the lock. A checkout killed before this step leaves the note: the next one adopts the order
   it may have written (services/checkout.py).
Each piece keeps its own module's keys and rules; this module only runs them together. Every
key a script touches is passed in KEYS (a Redis Cluster would need them in one slot: the app
does not support Cluster, docs/SCALING.md).
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

from checkout_app.adapters.cart_store import MARKER, CartStore, cart_of_reply
from checkout_app.adapters.locks import POLL_SECONDS, RELEASE, Locks
from checkout_app.adapters.rate_limits import SPEND, RateLimited, RateLimits, pending
from checkout_app.adapters.redis_client import REDIS_DOWN, cart_service_errors
from checkout_app.adapters.seat_holds import CLAIM, SeatHolds
from checkout_app.adapters.stripe_attempts import KEEP_SECONDS, StripeAttempts, attempt_value
from checkout_app.domain.cart import Cart, session_hash
from checkout_app.errors import CheckoutInProgress, ItemsUnavailable

log = logging.getLogger(__name__)

# KEYS: lock, cart, moved, rotating[, the route's rate-limit budgets]. ARGV: token, lease (ms)[,
# the budgets' spend arguments]. {locked (1/0), cart fields, moved to, rotating to, wait}: a
# refused spend (wait > 0) takes nothing and reads nothing.
_BEGIN = (
    SPEND
    + """
if #KEYS > 4 then
  local wait = spend(5, 3)
  if wait > 0 then return {0, {}, false, false, wait} end
end
local locked = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
return {locked, redis.call('HGETALL', KEYS[2]), redis.call('GET', KEYS[3]),
        redis.call('GET', KEYS[4]), 0}
"""
)
# KEYS: n seat keys, [the copy's cart key, the rotating note], the attempts hash.
# ARGV: n, claim id, now (ms), claim ttl (ms), n x (seats, left), copy? (1/0), cart ttl (s),
# attempt field, attempt value, attempts ttl (s), the copy's hash, its field/value pairs.
# 1, or 0 when a claim is refused (and then nothing is written).
_PREPARE = (
    CLAIM
    + """
local n, claim_id, now, ttl = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
for i = 1, n do
  local member = claim_id .. ':' .. ARGV[3 + 2 * i]
  if claim(KEYS[i], member, tonumber(ARGV[3 + 2 * i]), tonumber(ARGV[4 + 2 * i]), now, ttl) == 0
  then
    for j = 1, i - 1 do redis.call('ZREM', KEYS[j], claim_id .. ':' .. ARGV[3 + 2 * j]) end
    return 0
  end
end
local a = 5 + 2 * n
if ARGV[a] == '1' then
  local copy = KEYS[n + 1]
  redis.call('DEL', copy)
  redis.call('HSET', copy, unpack(ARGV, a + 6))
  redis.call('EXPIRE', copy, ARGV[a + 1])
  redis.call('SET', KEYS[n + 2], ARGV[a + 5], 'EX', ARGV[a + 1])
end
redis.call('HSET', KEYS[#KEYS], ARGV[a + 2], ARGV[a + 3])
redis.call('EXPIRE', KEYS[#KEYS], ARGV[a + 4])
return 1
"""
)
# KEYS: n seat keys, lock, old cart or copy, moved, attempts hash, rotating note.
# ARGV: n, n claim members, token, mode (retire / drop_copy / keep), moved to, moved ttl (s),
# forget? (1/0), attempt field, clear the rotating note? (1/0).
_FINISH = """
local n = tonumber(ARGV[1])
for i = 1, n do redis.call('ZREM', KEYS[i], ARGV[1 + i]) end
local a = n + 2
if ARGV[a + 1] == 'retire' then
  redis.call('DEL', KEYS[n + 2])
  redis.call('SET', KEYS[n + 3], ARGV[a + 2], 'EX', ARGV[a + 3])
elseif ARGV[a + 1] == 'drop_copy' then
  redis.call('DEL', KEYS[n + 2])
end
if ARGV[a + 4] == '1' then redis.call('HDEL', KEYS[n + 4], ARGV[a + 5]) end
if ARGV[a + 6] == '1' then redis.call('DEL', KEYS[n + 5]) end
if redis.call('GET', KEYS[n + 1]) == ARGV[a] then redis.call('DEL', KEYS[n + 1]) end
return 1
"""


@dataclass
class CheckoutRun:
    """One checkout's Redis state: what it read under the lock and what it must undo."""

    cart: Cart
    moved_to: str | None  # the cart hash a rotated session id moved to, if any
    lock_key: str
    token: str
    # The cart hash an earlier checkout wrote its order under and never moved the cart to
    # (it died between the two): that order is the shopper's, to adopt before anything else.
    rotating_to: str | None = None
    claims: list[tuple[str, str]] = field(default_factory=list)  # (key, member)
    copy_key: str | None = None
    attempt: str | None = None
    # Set by the use case as the checkout ends.
    retire_to: str | None = None  # the order is written: retire the old cart to this hash
    forget_attempt: bool = False
    rotation_settled: bool = False  # `rotating_to` was looked at: its note may go


class CheckoutRedis:
    def __init__(
        self,
        client: redis.Redis,
        carts: CartStore,
        locks: Locks,
        seat_holds: SeatHolds,
        attempts: StripeAttempts,
        moved_seconds: int,
        rate_limits: RateLimits,
    ) -> None:
        self.carts = carts
        self.rate_limits = rate_limits
        self.locks = locks
        self.seat_holds = seat_holds
        self.attempts = attempts
        self.moved_seconds = moved_seconds
        self._begin = client.register_script(_BEGIN)
        self._prepare = client.register_script(_PREPARE)
        self._finish_script = client.register_script(_FINISH)
        self._release = client.register_script(RELEASE)

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
        keys = [
            key,
            self.carts.key_for(session_id),
            self.carts.moved_key(session_id),
            self.carts.rotating_key(session_id),
        ]
        deadline = time.monotonic() + wait_seconds
        with cart_service_errors():
            while True:
                locked, flat, moved, rotating = self._begin_once(keys, token)
                moved_to = moved.decode() if moved else None
                if flat:
                    cart = cart_of_reply(session_id, flat)
                else:
                    # Rotated away by an order just placed: a double submit may get it back.
                    cart = self.carts.load(session_id, moved_to) if moved_to else None
                try:
                    cart = check(cart)
                except BaseException:
                    if locked:
                        self._unlock(key, token)
                    raise
                if locked:
                    break
                if time.monotonic() >= deadline:
                    raise CheckoutInProgress()
                time.sleep(POLL_SECONDS)
        lease = self.locks.leases.keep(key, token)
        state = CheckoutRun(cart, moved_to, key, token, rotating.decode() if rotating else None)
        try:
            yield state
        finally:
            self.locks.leases.drop(lease)
            self._finish(state)

    def _begin_once(self, keys: list[str], token: str) -> tuple[int, Any, Any, Any]:
        """One BEGIN; the first also spends the route's deferred rate limits, if any
        (RateLimited when refused: then nothing was taken)."""
        args: list[Any] = [token, self.locks.leases.ttl_ms]
        spend = pending()
        if spend is None:
            locked, flat, moved, rotating, _ = self._begin(keys=keys, args=args)
            return locked, flat, moved, rotating
        limit_keys, limit_args = self.rate_limits.script_part(spend.budgets)
        try:
            reply = self._begin(keys=keys + limit_keys, args=args + limit_args)
        except REDIS_DOWN as exc:
            self.rate_limits.unsent(spend, exc)
            raise
        locked, flat, moved, rotating, wait = reply
        self.rate_limits.spent(spend, int(wait))
        if wait:
            raise RateLimited(int(wait))
        return locked, flat, moved, rotating

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
        """Claim `wanted` seats (ItemsUnavailable, and nothing written, when checkouts in
        flight hold what is left), copy the cart to session `copy_to`, record the create."""
        claims = sorted(wanted.items())
        keys = [self.seat_holds.key(event_id) for event_id, _ in claims]
        args: list[Any] = [len(claims), claim_id, int(time.time() * 1000), int(ttl_seconds * 1000)]
        for event_id, seats in claims:
            args += [seats, seats_left[event_id]]
        copy_key = self.carts.key_for(copy_to) if copy_to is not None else None
        if copy_key is not None:
            keys += [copy_key, self.carts.rotating_key(state.cart.session_id)]
        order_id, cart_hash, params = attempt
        keys.append(self.attempts.key)
        args += ["1" if copy_to else "0", self.carts.ttl_seconds, str(order_id)]
        args += [attempt_value(cart_hash, params), KEEP_SECONDS]
        args += [session_hash(copy_to) if copy_to else "", MARKER, "1"]
        for line in state.cart.lines:
            args += [line.key.field, line.quantity]
        with cart_service_errors():
            written = self._prepare(keys=keys, args=args)
        if not written:
            raise ItemsUnavailable(detail="seats claimed by checkouts in flight")
        state.claims = [(keys[i], f"{claim_id}:{seats}") for i, (_, seats) in enumerate(claims)]
        state.copy_key = copy_key
        state.attempt = str(order_id)

    def _finish(self, state: CheckoutRun) -> None:
        """One script: drop the claims, settle the cart copy and the create record, unlock.
        If Redis is down now, claims and the lock lapse with their TTLs."""
        old_cart = self.carts.key_for(state.cart.session_id)
        if state.retire_to is not None:
            mode, second = "retire", old_cart
        elif state.copy_key is not None:
            mode, second = "drop_copy", state.copy_key
        else:
            mode, second = "keep", old_cart
        keys = [key for key, _ in state.claims]
        keys += [state.lock_key, second, self.carts.moved_key(state.cart.session_id)]
        keys += [self.attempts.key, self.carts.rotating_key(state.cart.session_id)]
        args: list[Any] = [len(state.claims), *(member for _, member in state.claims)]
        args += [state.token, mode, state.retire_to or "", self.moved_seconds]
        args += ["1" if state.forget_attempt and state.attempt else "0", state.attempt or ""]
        # Kept after a failure past the copy: the order write's outcome may be unknown.
        args.append("1" if mode == "retire" or state.rotation_settled else "0")
        try:
            self._finish_script(keys=keys, args=args)
        except REDIS_DOWN as exc:
            log.warning("checkout clean-up skipped, Redis unavailable: %s", exc)

    def _unlock(self, key: str, token: str) -> None:
        try:
            self._release(keys=[key], args=[token])
        except REDIS_DOWN as exc:
            log.warning("lock release skipped, Redis unavailable: %s", exc)


def cart_hash_of(state: CheckoutRun) -> str:
    """The hash the shopper's cart lives under (a rotated id's: where it moved)."""
    return state.moved_to or session_hash(state.cart.session_id)
