"""Carts in Redis: one hash per shopper session holding item type, item id and quantity only."""

from __future__ import annotations

import logging
from typing import Any

import redis

from checkout_app import messages
from checkout_app.adapters.redis_client import cart_service_errors
from checkout_app.adapters.redis_clock import LATE, LATE_GUARD, RedisClock
from checkout_app.domain.cart import (
    MAX_QUANTITY,
    SINGLE_QUANTITY_TYPES,
    Cart,
    CartKey,
    CartLine,
    session_hash,
)
from checkout_app.errors import CartUnavailable, InvalidInput, ItemNotFound

log = logging.getLogger(__name__)

# Kept in every stored cart so that an emptied cart still exists until its TTL.
MARKER = "_"

# The writes take a deadline (ARGV 1, adapters/redis_clock.py) and do nothing past it. The add
# and the set also take the lines their caller priced (ARGV 5 or 7 onwards) and write only when
# the cart holds no other line, so the answer is priced from what was read before the write and
# a failure of that read leaves the cart untouched. They answer the whole cart as written, or a
# code.
CHANGED, TOO_MANY, ABSENT = -2, -1, 0
_PRICED_ONLY = """
local priced = {}
for i = %d, #ARGV do priced[ARGV[i]] = true end
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if field ~= '_' and not priced[field] then return -2 end
end
"""
_ADD = (
    LATE_GUARD
    + _PRICED_ONLY % 7
    + """
local new = tonumber(redis.call('HGET', KEYS[1], ARGV[2]) or '0') + tonumber(ARGV[3])
if ARGV[6] == '1' then new = 1 end
if new > tonumber(ARGV[5]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[2], new, '_', '1')
redis.call('EXPIRE', KEYS[1], ARGV[4])
return redis.call('HGETALL', KEYS[1])
"""
)
_SET_IF_PRESENT = (
    LATE_GUARD
    + _PRICED_ONLY % 5
    + """
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then return 0 end
if ARGV[3] == '0' then redis.call('HDEL', KEYS[1], ARGV[2])
else redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return redis.call('HGETALL', KEYS[1])
"""
)
_CLEAR = (
    LATE_GUARD
    + """
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '_', '1')
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""
)


def _pairs(flat: list[bytes]) -> list[tuple[bytes, bytes]]:
    return list(zip(flat[::2], flat[1::2], strict=True))


def cart_of_reply(session_id: str, flat: list[bytes]) -> Cart:
    """The cart of a script's reply: the hash as a flat list of fields and values."""
    return _cart(session_id, _pairs(flat))


def _cart(session_id: str, fields: list[tuple[bytes, bytes]]) -> Cart:
    lines = [
        CartLine(CartKey.from_field(name.decode()), int(qty))
        for name, qty in fields
        if name.decode() != MARKER
    ]
    return Cart(session_id, tuple(sorted(lines, key=lambda line: line.key)))


class CartStore:
    """Reads and writes carts; every write refreshes the TTL."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        ttl_seconds: int,
        write_seconds: float | None = None,
    ) -> None:
        """`write_seconds`: how long after sending a cart write may still land (None: no
        limit; the app passes half the socket timeout)."""
        self.client = client
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds
        self.clock = RedisClock(client, write_seconds)
        self._add = client.register_script(_ADD)
        self._set = client.register_script(_SET_IF_PRESENT)
        self._clear = client.register_script(_CLEAR)

    def key_for(self, session_id: str) -> str:
        """The Redis key of a session's cart (hash-tagged, so Redis Cluster keeps it whole)."""
        return self.key_for_hash(session_hash(session_id))

    def key_for_hash(self, cart_hash: str) -> str:
        """The Redis key of the cart whose session id hashes to `cart_hash`."""
        return f"{self.prefix}cart:{{{cart_hash}}}"

    @cart_service_errors()
    def load(self, session_id: str, cart_hash: str | None = None) -> Cart | None:
        """The stored cart (of `cart_hash` when given), or None when there is none."""
        fields = self.client.hgetall(self.key_for_hash(cart_hash or session_hash(session_id)))
        return _cart(session_id, list(fields.items())) if fields else None

    @cart_service_errors()
    def add(self, session_id: str, key: CartKey, quantity: int, priced: Cart) -> Cart | None:
        """Add to a line (a course stays at 1) if the cart holds only `priced`'s lines and `key`;
        the cart as written, or None when another line arrived since `priced` was read."""
        single = key.item_type in SINGLE_QUANTITY_TYPES
        fixed = [key.field, quantity, self.ttl_seconds, MAX_QUANTITY, "1" if single else "0"]
        written = self._write(
            self._add,
            self.key_for(session_id),
            [*fixed, key.field, *(k.field for k in priced.keys)],
        )
        if written == TOO_MANY:
            raise InvalidInput(messages.QUANTITY_RANGE.format(maximum=MAX_QUANTITY))
        return None if written == CHANGED else cart_of_reply(session_id, written)

    @cart_service_errors()
    def set_quantity(
        self, session_id: str, key: CartKey, quantity: int, priced: Cart
    ) -> Cart | None:
        """Set a line's quantity (0 removes it) if the cart holds only `priced`'s lines; the cart
        as written, or None when another line arrived since. 404 when the line is not there."""
        written = self._write(
            self._set,
            self.key_for(session_id),
            [key.field, quantity, self.ttl_seconds, *(k.field for k in priced.keys)],
        )
        if written == ABSENT:
            raise ItemNotFound()
        return None if written == CHANGED else cart_of_reply(session_id, written)

    @cart_service_errors()
    def clear(self, session_id: str) -> None:
        """Empty the cart but keep it stored until its TTL."""
        self._write(self._clear, self.key_for(session_id), [self.ttl_seconds])

    def _write(self, script: Any, key: str, args: list[Any]) -> Any:
        """Run a cart write with its deadline; a refusal as late while we still waited means
        our idea of Redis' clock is off: measured again, and the write sent once more."""
        for _ in range(2):
            written = script(keys=[key], args=[self.clock.deadline_ms(), *args])
            if written != LATE:
                return written
            log.warning("a cart write reached Redis past its deadline: measuring its clock again")
            self.clock.measure()
        raise CartUnavailable(detail="cart writes keep missing their deadline")

    @cart_service_errors()
    def remove_by_hash(self, cart_hash: str, fields: list[str]) -> None:
        """Remove these lines from the cart with this hash (the cart itself stays)."""
        self.client.hdel(self.key_for_hash(cart_hash), *fields)

    def moved_key(self, session_id: str) -> str:
        """Where a rotated session notes, for a while, which cart hash its cart moved to."""
        return f"{self.prefix}moved:{{{session_hash(session_id)}}}"

    def rotating_key(self, session_id: str) -> str:
        """Where a checkout notes, until it ends, which cart hash its order is written under:
        if it never ends (a killed worker), the retry finds that order from here."""
        return f"{self.prefix}rotating:{{{session_hash(session_id)}}}"

    @cart_service_errors()
    def replace(self, session_id: str, lines: list[CartLine]) -> None:
        """Write a whole cart at once (used by the seed-cart command)."""
        key = self.key_for(session_id)
        pipe = self.client.pipeline()
        pipe.delete(key)
        pipe.hset(key, mapping={MARKER: "1", **{ln.key.field: ln.quantity for ln in lines}})
        pipe.expire(key, self.ttl_seconds)
        pipe.execute()
