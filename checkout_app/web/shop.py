"""Catalog and cart pages; their form posts answer 303 back to the cart."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from checkout_app.extensions import shop
from checkout_app.http.idempotency import idempotent
from checkout_app.http.limits import cart_limit
from checkout_app.http.session import current_session_id, session_id_for_write, set_session_cookie
from checkout_app.services import cart as carts
from checkout_app.services.catalog import items_for_sale
from checkout_app.web import bp
from checkout_app.web.forms import item_to_add, line_key, new_quantity


def back_to_cart(session_id: str | None) -> Response:
    """303 to the cart page, refreshing the session cookie like the cart API does."""
    response = redirect(url_for("web.cart"), 303)
    return set_session_cookie(response, session_id) if session_id else response


@bp.get("/")
def catalog() -> str:
    """The demo catalog with an "Add to cart" form per item."""
    return render_template(
        "web/catalog.html", items=items_for_sale(shop()), currency=shop().settings.currency
    )


@bp.get("/cart")
def cart() -> str:
    """The cart: lines, quantities, subtotal, tax and total."""
    return render_template("web/cart.html", cart=carts.view_cart(shop(), current_session_id()))


@bp.post("/cart/items")
@idempotent()
@cart_limit
def add_to_cart() -> Response:
    """Add an item; the first add issues the session cookie."""
    key, quantity = item_to_add(request.form)
    session_id = session_id_for_write()
    carts.add_item(shop(), session_id, key, quantity)
    return back_to_cart(session_id)


@bp.post("/cart/items/<item_type>/<item_id>")
@idempotent()
@cart_limit
def set_quantity(item_type: str, item_id: str) -> Response:
    """Change the number of tickets of a line."""
    session_id = current_session_id()
    carts.set_quantity(shop(), session_id, line_key(item_type, item_id), new_quantity(request.form))
    return back_to_cart(session_id)


@bp.post("/cart/items/<item_type>/<item_id>/remove")
@idempotent()
@cart_limit
def remove_from_cart(item_type: str, item_id: str) -> Response:
    """Remove a line."""
    session_id = current_session_id()
    carts.remove_item(shop(), session_id, line_key(item_type, item_id))
    return back_to_cart(session_id)
