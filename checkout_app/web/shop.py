"""Catalog and cart pages; their form posts answer 303 (or the page again with the error)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, redirect, render_template, request, url_for

from checkout_app.domain.cart import CartKey
from checkout_app.errors import CheckoutError
from checkout_app.extensions import shop
from checkout_app.http.idempotency import idempotent
from checkout_app.http.limits import cart_limit
from checkout_app.http.session import current_session_id, session_id_for_write, set_session_cookie
from checkout_app.services import cart as carts
from checkout_app.services.catalog import items_for_sale
from checkout_app.web import bp
from checkout_app.web.forms import item_to_add, line_key, new_quantity, posted_key


def with_cookie(response: Response, session_id: str | None) -> Response:
    """Refresh the session cookie like the cart API does."""
    return set_session_cookie(response, session_id) if session_id else response


def catalog_page(
    added: CartKey | None = None, error: CheckoutError | None = None, at: CartKey | None = None
) -> Response:
    """The catalog; after an add, "Added: <title>"; after a refused add, the error at its item."""
    items = items_for_sale(shop())
    listed = {(i.item_type, i.id): i for i in items}
    added_item = listed.get((added.item_type, added.item_id)) if added else None
    if at is not None and (at.item_type, at.item_id) not in listed:
        at = None  # an item no longer listed: the error goes at the top of the page
    body = render_template(
        "web/catalog.html",
        items=items,
        currency=shop().settings.currency,
        added=added_item,
        error=error,
        error_at=at,
    )
    return Response(body, error.status if error else 200, mimetype="text/html")


def cart_page(error: CheckoutError | None = None, at: CartKey | None = None) -> Response:
    """The cart as it is now; after a refused change, the error next to its line."""
    cart = carts.view_cart(shop(), current_session_id())
    body = render_template("web/cart.html", cart=cart, error=error, error_at=at)
    return Response(body, error.status if error else 200, mimetype="text/html")


@bp.app_context_processor
def cart_count() -> dict[str, Callable[[], int]]:
    """`cart_count()` for the header: items in the shopper's cart (Redis only)."""
    return {"cart_count": lambda: carts.item_count(shop(), current_session_id())}


@bp.get("/")
def catalog() -> Response:
    """The catalog with an "Add to cart" form per item."""
    return catalog_page(added=posted_key(request.args.get("added")))


@bp.get("/cart")
def cart() -> Response:
    """The cart: lines, availability, quantities, subtotal, tax and total."""
    return cart_page()


@bp.post("/cart/items")
@idempotent()
@cart_limit
def add_to_cart() -> Response:
    """Add an item and return to the catalog, which confirms it; the first add sets the cookie."""
    key, quantity = item_to_add(request.form)
    session_id = session_id_for_write()
    carts.add_item(shop(), session_id, key, quantity)
    target = url_for("web.catalog", added=key.field, _anchor="added")
    return with_cookie(redirect(target, 303), session_id)


@bp.post("/cart/items/<item_type>/<item_id>")
@idempotent()
@cart_limit
def set_quantity(item_type: str, item_id: str) -> Response:
    """Change the number of tickets of a line."""
    session_id = current_session_id()
    carts.set_quantity(shop(), session_id, line_key(item_type, item_id), new_quantity(request.form))
    return with_cookie(redirect(url_for("web.cart"), 303), session_id)


@bp.post("/cart/items/<item_type>/<item_id>/remove")
@idempotent()
@cart_limit
def remove_from_cart(item_type: str, item_id: str) -> Response:
    """Remove a line."""
    session_id = current_session_id()
    carts.remove_item(shop(), session_id, line_key(item_type, item_id))
    return with_cookie(redirect(url_for("web.cart"), 303), session_id)
