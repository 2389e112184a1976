"""Cart use cases: read, add, change, remove and clear lines, always priced from the database."""

from __future__ import annotations

from collections.abc import Callable

from checkout_app.db.uow import UnitOfWork
from checkout_app.domain.cart import Cart, CartKey, check_quantity, has_session_shape, session_hash
from checkout_app.domain.pricing import CatalogEntry, PricedCart, price_cart
from checkout_app.errors import CartUnavailable, ItemNotFound
from checkout_app.services.shop import Shop

# A write retried this many times while other tabs keep adding lines, then 503 (nothing written).
WRITE_ATTEMPTS = 3


def price(shop: Shop, cart: Cart | None) -> PricedCart:
    """Price a cart (an absent cart prices as empty) with one catalog read."""
    cart = cart or Cart("", ())
    entries = {}
    if cart.lines:
        with shop.uow() as uow:
            entries = _entries(uow, cart.session_id, cart.keys)
    return price_cart(cart, entries, shop.settings.tax_rate, shop.settings.currency)


def _entries(uow: UnitOfWork, session_id: str, keys: list[CartKey]) -> dict[CartKey, CatalogEntry]:
    """Catalog entries of these items; an event's seats left do not count the shopper's own
    open checkout, which a new checkout of this cart replaces (it would read 'sold out' for
    the seats the shopper is paying for)."""
    own = session_hash(session_id) if has_session_shape(session_id) else None
    return uow.catalog.entries(keys, own)


def view_cart(shop: Shop, session_id: str | None) -> PricedCart:
    """The shopper's cart; no session or no stored cart reads as empty."""
    return price(shop, shop.carts.load(session_id) if session_id else None)


def item_count(shop: Shop, session_id: str | None) -> int:
    """Items in the cart (an event line counts its tickets), read from Redis only."""
    cart = shop.carts.load(session_id) if session_id else None
    return sum(line.quantity for line in cart.lines) if cart else 0


def add_item(shop: Shop, session_id: str, key: CartKey, quantity: int) -> PricedCart:
    """Add an item that is for sale; a course or digital product stays at quantity 1."""
    check_quantity(key.item_type, quantity)

    def write(cart: Cart, entries: dict[CartKey, CatalogEntry]) -> Cart | None:
        entry = entries.get(key)
        if entry is None or not entry.for_sale:
            raise ItemNotFound()
        return shop.carts.add(session_id, key, quantity, cart)

    return _write(shop, session_id, key, write)


def set_quantity(shop: Shop, session_id: str | None, key: CartKey, quantity: int) -> PricedCart:
    """Change a line's quantity; 404 when the line is not in the cart."""
    check_quantity(key.item_type, quantity)
    if not session_id:
        raise ItemNotFound()
    return _write(
        shop,
        session_id,
        None,
        lambda cart, _: shop.carts.set_quantity(session_id, key, quantity, cart),
    )


def remove_item(shop: Shop, session_id: str | None, key: CartKey) -> PricedCart:
    """Remove a line; the emptied cart stays stored until its TTL."""
    if not session_id:
        raise ItemNotFound()
    return _write(
        shop, session_id, None, lambda cart, _: shop.carts.set_quantity(session_id, key, 0, cart)
    )


def clear_cart(shop: Shop, session_id: str) -> PricedCart:
    """Empty the cart, keeping it stored."""
    shop.carts.clear(session_id)
    return price(shop, None)


def _write(
    shop: Shop,
    session_id: str,
    adding: CartKey | None,
    write: Callable[[Cart, dict[CartKey, CatalogEntry]], Cart | None],
) -> PricedCart:
    """Read the cart and price every line it may hold, then write; the answer is priced from
    that read, so a failure (Redis or PostgreSQL: 503) leaves the cart as it was. The write
    refuses a cart that gained a line meanwhile (another tab): read and price again."""
    for _ in range(WRITE_ATTEMPTS):
        cart = shop.carts.load(session_id) or Cart(session_id, ())
        keys = [*cart.keys, *([adding] if adding and adding not in cart.keys else [])]
        with shop.uow() as uow:
            entries = _entries(uow, session_id, keys)
        written = write(cart, entries)
        if written is not None:
            settings = shop.settings
            return price_cart(written, entries, settings.tax_rate, settings.currency)
    raise CartUnavailable(detail=f"the cart changed during {WRITE_ATTEMPTS} attempts")
