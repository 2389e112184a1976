"""Cart endpoints: GET/DELETE /api/cart, POST/PATCH/DELETE /api/cart/items."""

from __future__ import annotations

import uuid

from flask import Response, jsonify, request

from ..carts import CartKey
from ..errors import ItemNotFound
from ..extensions import shop
from ..models import ItemType
from ..pricing import PricedCart
from ..services import cart as carts
from . import bp
from .schemas import AddItemSchema, QuantitySchema, load
from .serialize import cart_json
from .session import current_session_id, session_id_for_write, set_session_cookie


def _answer(cart: PricedCart, session_id: str | None = None, status: int = 200) -> Response:
    response = jsonify(success=True, cart=cart_json(cart))
    response.status_code = status
    return set_session_cookie(response, session_id) if session_id else response


def _line_key(item_type: str, item_id: str) -> CartKey:
    try:
        return CartKey(ItemType(item_type), uuid.UUID(item_id))
    except ValueError as exc:
        raise ItemNotFound() from exc


@bp.get("/cart")
def view_cart() -> Response:
    return _answer(carts.view_cart(shop(), current_session_id()))


@bp.post("/cart/items")
def add_item() -> Response:
    body = load(AddItemSchema(), request.get_json(silent=True), ("itemType", "itemId", "quantity"))
    session_id = session_id_for_write()
    key = CartKey(body["item_type"], body["item_id"])
    return _answer(carts.add_item(shop(), session_id, key, body["quantity"]), session_id, 201)


@bp.patch("/cart/items/<item_type>/<item_id>")
def set_quantity(item_type: str, item_id: str) -> Response:
    body = load(QuantitySchema(), request.get_json(silent=True), ("quantity",))
    session_id = current_session_id()
    cart = carts.set_quantity(shop(), session_id, _line_key(item_type, item_id), body["quantity"])
    return _answer(cart, session_id)


@bp.delete("/cart/items/<item_type>/<item_id>")
def remove_item(item_type: str, item_id: str) -> Response:
    session_id = current_session_id()
    return _answer(carts.remove_item(shop(), session_id, _line_key(item_type, item_id)), session_id)


@bp.delete("/cart")
def clear_cart() -> Response:
    session_id = session_id_for_write()
    return _answer(carts.clear_cart(shop(), session_id), session_id)
