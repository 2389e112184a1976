"""The checkout use case: a priced cart becomes a pending order and a Stripe Checkout Session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from .. import redirects
from ..carts import Cart, is_session_id, session_hash
from ..errors import CartEmpty, CartNotFound, InvalidInput, ItemsUnavailable, NoSession
from ..gateway import SessionRequest
from ..pricing import price_cart
from ..repository import PendingOrder
from .shop import Shop


@dataclass(frozen=True)
class CheckoutRequest:
    customer_email: str
    user_id: uuid.UUID | None = None
    success_url: object = None
    cancel_url: object = None


@dataclass(frozen=True)
class CheckoutResult:
    session_id: str
    session_url: str
    order_id: uuid.UUID


def cart_for_checkout(shop: Shop, session_id: str | None) -> Cart:
    """The session's cart, or the contract's 401 / 404 / 400 when there is nothing to buy."""
    if not is_session_id(session_id):
        raise NoSession()
    cart = shop.carts.load(session_id)  # type: ignore[arg-type]
    if cart is None:
        raise CartNotFound()
    if not cart.lines:
        raise CartEmpty()
    return cart


def create_checkout(shop: Shop, cart: Cart, request: CheckoutRequest) -> CheckoutResult:
    """Price the cart, open a Stripe session, then write the pending order in one transaction.

    No database connection is held across the Stripe round trip: reads come first, and the
    write transaction (seat lock, order, items, bookings) starts only once Stripe answered.
    A failed Stripe call therefore leaves nothing behind; a failed write expires the session.
    """
    settings = shop.settings
    with shop.uow() as uow:
        if request.user_id is not None and not uow.users.exists(request.user_id):
            raise InvalidInput("Invalid userId")
        success_url = redirects.resolve(
            request.success_url,
            f"{settings.base_url}/checkout/success?session_id={{CHECKOUT_SESSION_ID}}",
            "successUrl",
            settings.allowed_redirect_hosts,
        )
        cancel_url = redirects.resolve(
            request.cancel_url,
            f"{settings.base_url}/checkout/cancel",
            "cancelUrl",
            settings.allowed_redirect_hosts,
        )
        entries = uow.catalog.entries(cart.keys)
    priced = price_cart(cart, entries, settings.tax_rate, settings.currency)
    if not priced.sellable:
        raise ItemsUnavailable()

    order_id = uuid.uuid4()
    session = shop.gateway.create_checkout_session(
        SessionRequest(order_id, priced, request.customer_email, success_url, cancel_url)
    )
    order = PendingOrder(
        id=order_id,
        user_id=request.user_id,
        customer_email=request.customer_email,
        cart=priced,
        stripe_checkout_session_id=session.id,
        cart_session_hash=session_hash(cart.session_id),
    )
    try:
        with shop.uow() as uow:
            uow.catalog.hold_seats(priced.seats_wanted)
            uow.orders.add_pending(order)
            uow.commit()
    except BaseException:
        shop.gateway.expire_checkout_session(session.id)
        raise
    return CheckoutResult(session.id, session.url or "", order_id)
