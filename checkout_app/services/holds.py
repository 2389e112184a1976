"""The seat hold policy: who may hold how many seats of an event, and until when.

- An order takes at most MAX_TICKETS_PER_ORDER seats of one event.
- One client holds at most SEAT_HOLD_LIMIT unpaid seats of one event at once; its session,
  its email and its client address each count (three throwaway emails from one address do
  not get three times the seats).
- A hold lasts until the first checkout's Stripe session expires; a superseding checkout of
  the same cart inherits that deadline, so repeating a checkout never renews a hold.
- An order waiting on a delayed payment holds its seats DELAYED_PAYMENT_HOLD_HOURS more.
Past its deadline a pending booking no longer counts against the event (the catalog shows
the seats as free at once); `expire-stale-orders` then settles the order with Stripe.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from checkout_app.db.repository import Holder, OpenCheckout
from checkout_app.domain.cart import CartKey
from checkout_app.domain.pricing import CatalogEntry, PricedCart
from checkout_app.errors import HoldLimitReached
from checkout_app.shop_settings import ShopSettings


def holder(cart_hash: str, email: str, client_address: str | None) -> Holder:
    """The session, email and (hashed) address whose unpaid seats count together."""
    address = hashlib.sha256(client_address.encode()).hexdigest() if client_address else None
    return Holder(cart_hash, email, address)


def refuse_over_limits(
    cart: PricedCart, entries: dict[CartKey, CatalogEntry], settings: ShopSettings
) -> None:
    """409 "limit reached" when an event line is over either limit (checked before Stripe)."""
    for line in cart.lines:
        if line.key not in cart.seats_keys:
            continue
        held = entries[line.key].held_by_holder if line.key in entries else 0
        if line.quantity > settings.max_tickets_per_order:
            raise HoldLimitReached(detail="MAX_TICKETS_PER_ORDER")
        if held + line.quantity > settings.seat_hold_limit:
            raise HoldLimitReached(detail="SEAT_HOLD_LIMIT")


def deadline(
    open_checkouts: list[OpenCheckout], session_expires_at: int | None, settings: ShopSettings
) -> datetime:
    """When this checkout's hold ends: its Stripe session's expiry, or the still-running
    deadline of the checkout it supersedes when that is sooner (a repeat never renews it)."""
    now = datetime.now(UTC)
    own = (
        datetime.fromtimestamp(session_expires_at, UTC)
        if session_expires_at
        else now + timedelta(minutes=settings.checkout_expires_minutes)
    )
    inherited = [o.seats_held_until for o in open_checkouts if o.seats_held_until]
    running = [d for d in inherited if d > now]
    return min([own, *running])
