"""Cart endpoints: GET/DELETE /api/cart, POST/PATCH/DELETE /api/cart/items."""

from __future__ import annotations

import uuid

from flask import Response, jsonify, request

from checkout_app.api import bp
from checkout_app.api.apidoc import (
    ANYONE,
    IDEMPOTENCY_KEY,
    IDEMPOTENT_REPLAYED,
    KEYED_WRITE,
    SERVER_ERROR,
    SESSION,
    SET_COOKIE,
    TOO_LARGE,
    api_doc,
    errors,
    invalid,
    ok,
)
from checkout_app.api.responses import CartResponseSchema
from checkout_app.api.schemas import (
    ADD_ITEM_ERRORS,
    SET_QUANTITY_ERRORS,
    AddItemSchema,
    CartLinePathSchema,
    QuantitySchema,
    load,
)
from checkout_app.domain.cart import CartKey
from checkout_app.domain.enums import ItemType
from checkout_app.domain.pricing import PricedCart
from checkout_app.errors import CartUnavailable, DatabaseUnavailable, ItemNotFound
from checkout_app.extensions import shop
from checkout_app.http.idempotency import idempotent
from checkout_app.http.limits import cart_limit
from checkout_app.http.session import current_session_id, session_id_for_write, set_session_cookie
from checkout_app.services import cart as carts

DOWN = (CartUnavailable, DatabaseUnavailable, SERVER_ERROR)
COOKIE_SET = (SET_COOKIE, IDEMPOTENT_REPLAYED)


def _answer(cart: PricedCart, session_id: str | None = None, status: int = 200) -> Response:
    response = jsonify(CartResponseSchema().dump({"success": True, "cart": cart}))
    response.status_code = status
    return set_session_cookie(response, session_id) if session_id else response


def _line_key(item_type: str, item_id: str) -> CartKey:
    try:
        return CartKey(ItemType(item_type), uuid.UUID(item_id))
    except ValueError as exc:
        raise ItemNotFound() from exc


@bp.get("/cart")
@api_doc(
    "The shopper's cart; without a cookie or a stored cart, an empty one",
    tag="cart",
    security=[ANYONE, SESSION],
    replies=[ok(CartResponseSchema, "The cart"), *errors(*DOWN)],
)
def view_cart() -> Response:
    return _answer(carts.view_cart(shop(), current_session_id()))


@bp.post("/cart/items")
@api_doc(
    "Add an item, or add to the quantity of its line; the first write sets the cookie",
    tag="cart",
    security=[ANYONE, SESSION],
    body=AddItemSchema,
    replies=[
        ok(CartResponseSchema, "The cart", status=201, headers=COOKIE_SET),
        *errors(*invalid(*ADD_ITEM_ERRORS), ItemNotFound, TOO_LARGE, *KEYED_WRITE, *DOWN),
    ],
    headers=[IDEMPOTENCY_KEY],
)
@idempotent()
@cart_limit
def add_item() -> Response:
    body = load(AddItemSchema(), request.get_json(silent=True), ("itemType", "itemId", "quantity"))
    session_id = session_id_for_write()
    key = CartKey(body["item_type"], body["item_id"])
    return _answer(carts.add_item(shop(), session_id, key, body["quantity"]), session_id, 201)


@bp.patch("/cart/items/<item_type>/<item_id>")
@api_doc(
    "Set the quantity of a line",
    tag="cart",
    security=[ANYONE, SESSION],
    path=CartLinePathSchema,
    body=QuantitySchema,
    replies=[
        ok(CartResponseSchema, "The cart", headers=COOKIE_SET),
        *errors(*invalid(*SET_QUANTITY_ERRORS), ItemNotFound, TOO_LARGE, *KEYED_WRITE, *DOWN),
    ],
    headers=[IDEMPOTENCY_KEY],
)
@idempotent()
@cart_limit
def set_quantity(item_type: str, item_id: str) -> Response:
    body = load(QuantitySchema(), request.get_json(silent=True), ("quantity",))
    session_id = current_session_id()
    cart = carts.set_quantity(shop(), session_id, _line_key(item_type, item_id), body["quantity"])
    return _answer(cart, session_id)


@bp.delete("/cart/items/<item_type>/<item_id>")
@api_doc(
    "Remove a line; the emptied cart stays stored",
    tag="cart",
    security=[ANYONE, SESSION],
    path=CartLinePathSchema,
    replies=[
        ok(CartResponseSchema, "The cart", headers=COOKIE_SET),
        *errors(ItemNotFound, *KEYED_WRITE, *DOWN),
    ],
    headers=[IDEMPOTENCY_KEY],
)
@idempotent()
@cart_limit
def remove_item(item_type: str, item_id: str) -> Response:
    session_id = current_session_id()
    return _answer(carts.remove_item(shop(), session_id, _line_key(item_type, item_id)), session_id)


@bp.delete("/cart")
@api_doc(
    "Empty the cart; it stays stored, so a checkout then answers 400",
    tag="cart",
    security=[ANYONE, SESSION],
    replies=[
        ok(CartResponseSchema, "The empty cart", headers=COOKIE_SET),
        *errors(*KEYED_WRITE, CartUnavailable, SERVER_ERROR),
    ],
    headers=[IDEMPOTENCY_KEY],
)
@idempotent()
@cart_limit
def clear_cart() -> Response:
    session_id = session_id_for_write()
    return _answer(carts.clear_cart(shop(), session_id), session_id)
