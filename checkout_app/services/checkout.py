"""The checkout use case: a priced cart becomes a pending order and a Stripe Checkout Session."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from checkout_app import messages
from checkout_app.adapters.checkout_run import CheckoutRun, cart_hash_of
from checkout_app.adapters.stripe_params import SessionRequest
from checkout_app.db.repository import Holder, OpenCheckout, PendingOrder
from checkout_app.domain import redirects
from checkout_app.domain.cart import Cart, CartKey, has_session_shape, session_hash
from checkout_app.domain.pricing import CatalogEntry, price_cart
from checkout_app.errors import (
    CartEmpty,
    CartNotFound,
    InvalidInput,
    ItemsUnavailable,
    NoSession,
)
from checkout_app.services import holds
from checkout_app.services.orphans import checkout_lock
from checkout_app.services.ports import CheckoutPorts
from checkout_app.services.reuse import checkout_fingerprint, reusable_checkout
from checkout_app.shop_settings import ShopSettings

log = logging.getLogger(__name__)
# How long a rotated-away session id still gets its order back on an identical double submit.
ROTATED_MEMORY_SECONDS = 600


@dataclass(frozen=True)
class CheckoutRequest:
    customer_email: str
    user_id: uuid.UUID | None = None
    success_url: object = None
    cancel_url: object = None
    identity_token: str | None = None
    # The id the cart moves to once the order is placed (session rotation); None keeps it.
    next_session_id: str | None = None
    # Where the request came from: seat hold limits count per client address too.
    client_address: str | None = None


@dataclass(frozen=True)
class CheckoutResult:
    session_id: str
    session_url: str
    order_id: uuid.UUID
    # Set when the shopper's session was rotated: the cookie must now carry this id.
    rotated_session_id: str | None = None


def checked_cart(cart: Cart | None) -> Cart:
    """The cart to check out, or the contract's 404 / 400 when there is nothing to buy."""
    if cart is None:
        raise CartNotFound()
    if not cart.lines:
        raise CartEmpty()
    return cart


def create_checkout(
    shop: CheckoutPorts, session_id: str | None, read_request: Callable[[], CheckoutRequest]
) -> CheckoutResult:
    """One shopper's checkouts run one at a time; an identical repeat gets the same order.

    `read_request` validates the body: it is asked once the cart checks (contract rows 1-3)
    have passed, so the first failing check answers.
    """
    if not has_session_shape(session_id):
        raise NoSession()
    asked: list[CheckoutRequest] = []

    def check(cart: Cart | None) -> Cart:
        cart = checked_cart(cart)
        if not asked:
            asked.append(read_request())
        return cart

    lock = checkout_lock(session_hash(session_id))
    with shop.checkout_redis.run(session_id, lock, stripe_budget(shop.settings), check) as run:
        return _checkout(shop, run, asked[0])


def stripe_budget(settings: ShopSettings) -> float:
    """Seconds a Stripe create may take with all its retries."""
    return settings.stripe_timeout_seconds * (settings.stripe_max_retries + 1) + 5


def _checkout(shop: CheckoutPorts, run: CheckoutRun, request: CheckoutRequest) -> CheckoutResult:
    """Price the cart, open a Stripe session, then write the pending order in one call.

    No database connection is held across the Stripe round trip: the read comes first, and the
    write (seat lock, recount, order, items, bookings) starts only once Stripe answered.
    A failed Stripe call therefore leaves nothing behind; a failed write expires the session.
    """
    settings = shop.settings
    cart = run.cart
    # Read under the lock: a concurrent submit may have rotated the session meanwhile.
    cart_hash = cart_hash_of(run)
    lost = _adopt_lost_orders(shop, run, cart_hash)
    holder = holds.holder(cart_hash, request.customer_email, request.client_address)
    checkout, open_checkouts, entries = _read(shop, cart, request, cart_hash, holder)
    priced = price_cart(cart, entries, settings.tax_rate, settings.currency)
    if not priced.sellable:
        raise ItemsUnavailable()
    holds.refuse_over_limits(priced, entries, settings)
    fingerprint = checkout_fingerprint(priced, checkout)
    reusable = reusable_checkout([o for o in open_checkouts if o.id not in lost], fingerprint)
    if reusable is not None:
        log.info("checkout repeated: order %s reused", reusable.id)
        return CheckoutResult(
            reusable.stripe_checkout_session_id, reusable.stripe_checkout_url or "", reusable.id
        )
    if run.moved_to:
        # Only an identical double submit is answered for a rotated id; it never learns the
        # new id (no cookie), and nothing new is ordered under the old one.
        raise CartNotFound()

    order_id = uuid.uuid4()
    seats_left = {k.item_id: e.seats_left for k, e in entries.items() if e.seats_left is not None}
    # Where the cart moves once the order is placed (session rotation); None: it stays.
    rotated = checkout.next_session_id if checkout.next_session_id != cart.session_id else None
    next_id = rotated or cart.session_id
    params = shop.gateway.session_params(
        SessionRequest(
            order_id,
            priced,
            checkout.customer_email,
            checkout.success_url,
            checkout.cancel_url,
            settings.shop_locale,
            settings.shop_timezone,
        )
    )
    # Written down first: a create that times out, or whose order write fails, may still
    # have made a session; `expire-stale-orders` finds it by this record (stripe_attempts).
    shop.checkout_redis.prepare(
        run,
        str(order_id),
        priced.seats_wanted,
        seats_left,
        stripe_budget(settings) + 10,
        rotated,
        (order_id, cart_hash, params),
    )
    session = shop.gateway.create_checkout_session(order_id, params)
    order = PendingOrder(
        id=order_id,
        user_id=checkout.user_id,
        customer_email=checkout.customer_email,
        cart=priced,
        stripe_checkout_session_id=session.id,
        cart_session_hash=session_hash(next_id),
        checkout_fingerprint=fingerprint,
        stripe_checkout_url=session.url,
        stripe_session_expires_at=(
            datetime.fromtimestamp(session.expires_at, UTC) if session.expires_at else None
        ),
        seats_held_until=holds.deadline(open_checkouts, session.expires_at, settings),
        client_address_hash=holder.address_hash,
    )
    _write_order(shop, run, order, [o.id for o in open_checkouts], holder)
    if rotated:
        run.retire_to = order.cart_session_hash
    log.info("order %s pending (checkout session %s)", order_id, session.id)
    for superseded in open_checkouts:
        # Nobody may pay for a cart the shopper has since changed.
        shop.gateway.expire_checkout_session(superseded.stripe_checkout_session_id)
        log.info("order %s cancelled: superseded by %s", superseded.id, order_id)
    return CheckoutResult(session.id, session.url or "", order_id, rotated)


def _adopt_lost_orders(shop: CheckoutPorts, run: CheckoutRun, cart_hash: str) -> set[uuid.UUID]:
    """Orders an earlier checkout of this cart wrote under the id it was moving the cart to,
    before it died (a killed worker, or a write whose outcome it never learnt): it neither
    moved the cart nor answered, so nobody holds that id. They come back under the cart's own
    hash, so their seats count as this shopper's and this checkout supersedes them; they are
    not handed out again, as whether their Stripe session is still open is unknown.
    One more round trip, only after such a death."""
    if run.rotating_to is None or run.moved_to is not None:
        return set()
    lost = shop.checkout_db.adopt(run.rotating_to, cart_hash)
    run.rotation_settled = True
    for order_id in lost:
        log.warning("order %s was never answered (its checkout ended early)", order_id)
    return set(lost)


def _read(
    shop: CheckoutPorts, cart: Cart, request: CheckoutRequest, cart_hash: str, holder: Holder
) -> tuple[CheckoutRequest, list[OpenCheckout], dict[CartKey, CatalogEntry]]:
    """Checks 6 and 7 (a proven, existing user; redirect URLs), then the shopper's open orders
    and the catalog, in one database round trip."""
    settings = shop.settings
    # Without proof the answer is the same for known and unknown ids: no oracle for user ids.
    proven = request.user_id is None or (
        shop.identity.user_id(request.identity_token) == request.user_id
    )
    if not proven:
        raise InvalidInput(messages.INVALID_USER_ID)
    success_url = redirects.resolve(
        request.success_url,
        f"{settings.base_url}/checkout/success?session_id={{CHECKOUT_SESSION_ID}}",
        "successUrl",
        settings.redirect_origins,
    )
    cancel_url = redirects.resolve(
        request.cancel_url,
        f"{settings.base_url}/checkout/cancel",
        "cancelUrl",
        settings.redirect_origins,
    )
    read = shop.checkout_db.read(cart_hash, request.user_id, cart.keys, holder)
    if request.user_id is not None and not read.user_exists:
        raise InvalidInput(messages.INVALID_USER_ID)
    resolved = replace(request, success_url=success_url, cancel_url=cancel_url)
    return resolved, read.open_checkouts, read.entries


def _write_order(
    shop: CheckoutPorts,
    run: CheckoutRun,
    order: PendingOrder,
    superseded: list[uuid.UUID],
    holder: Holder,
) -> None:
    """One transaction: supersede, lock and recount seats, insert; expire the session on failure."""
    try:
        shop.checkout_db.place(order, superseded, holder, shop.settings.seat_hold_limit)
    except BaseException:
        run.forget_attempt = shop.gateway.expire_checkout_session(order.stripe_checkout_session_id)
        raise
    run.forget_attempt = True
