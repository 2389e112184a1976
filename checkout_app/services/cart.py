"""Cart use cases: read, add, change, remove and clear lines, always priced from the database."""

from __future__ import annotations

from checkout_app.domain.cart import Cart, CartKey, check_quantity
from checkout_app.domain.pricing import PricedCart, price_cart
from checkout_app.errors import ItemNotFound
from checkout_app.services.shop import Shop


def price(shop: Shop, cart: Cart | None) -> PricedCart:
    """Price a cart (an absent cart prices as empty) with one catalog read."""
    cart = cart or Cart("", ())
    entries = {}
    if cart.lines:
        with shop.uow() as uow:
            entries = uow.catalog.entries(cart.keys)
    return price_cart(cart, entries, shop.settings.tax_rate, shop.settings.currency)


def view_cart(shop: Shop, session_id: str | None) -> PricedCart:
    """The shopper's cart; no session or no stored cart reads as empty."""
    return price(shop, shop.carts.load(session_id) if session_id else None)


def add_item(shop: Shop, session_id: str, key: CartKey, quantity: int) -> PricedCart:
    """Add an item that is for sale; a course or digital product stays at quantity 1."""
    check_quantity(key.item_type, quantity)
    with shop.uow() as uow:
        entry = uow.catalog.entries([key]).get(key)
    if entry is None or not entry.for_sale:
        raise ItemNotFound()
    shop.carts.add(session_id, key, quantity)
    return view_cart(shop, session_id)


def set_quantity(shop: Shop, session_id: str | None, key: CartKey, quantity: int) -> PricedCart:
    """Change a line's quantity; 404 when the line is not in the cart."""
    check_quantity(key.item_type, quantity)
    if not session_id or not shop.carts.set_quantity(session_id, key, quantity):
        raise ItemNotFound()
    return view_cart(shop, session_id)


def remove_item(shop: Shop, session_id: str | None, key: CartKey) -> PricedCart:
    """Remove a line; the emptied cart stays stored until its TTL."""
    if not session_id or not shop.carts.set_quantity(session_id, key, 0):
        raise ItemNotFound()
    return view_cart(shop, session_id)


def clear_cart(shop: Shop, session_id: str) -> PricedCart:
    """Empty the cart, keeping it stored."""
    shop.carts.clear(session_id)
    return price(shop, None)
