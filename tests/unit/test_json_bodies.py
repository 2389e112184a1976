"""The schemas the OpenAPI document shows also write the bodies: a dump validates against them."""

from __future__ import annotations

import uuid
from decimal import Decimal

from checkout_app.api.responses import CartResponseSchema
from checkout_app.domain.cart import Cart, CartKey, CartLine, new_session_id
from checkout_app.domain.enums import ItemType
from checkout_app.domain.pricing import CatalogEntry, price_cart
from checkout_app.http.json_bodies import CartSchema, ErrorSchema, cart_json, error_json

EVENT = CartKey(ItemType.EVENT, uuid.uuid4())


def priced_cart():
    cart = Cart(new_session_id("secret"), (CartLine(EVENT, 2),))
    catalog = {EVENT: CatalogEntry(EVENT, "Workshop", Decimal("120"), True, seats_left=1)}
    return price_cart(cart, catalog, Decimal("0.0825"), "usd")


def test_cart_body_is_the_contracts_and_its_schemas():
    body = cart_json(priced_cart())
    assert body["items"] == [
        {
            "itemType": "event",
            "itemId": str(EVENT.item_id),
            "title": "Workshop",
            "unitPrice": "120.00",
            "quantity": 2,
            "lineTotal": "240.00",
            "available": False,
            "availability": "too_few_seats",
            "seatsLeft": 1,
        }
    ]
    assert (body["subtotal"], body["tax"], body["total"]) == ("240.00", "19.80", "259.80")
    assert CartSchema().validate(body) == {}
    assert CartResponseSchema().validate({"success": True, "cart": body}) == {}


def test_error_body_shows_details_only_when_given():
    assert error_json("Item not found") == {"success": False, "error": "Item not found"}
    body = error_json("Failed", "trace")
    assert body["details"] == "trace"
    assert ErrorSchema().validate(body) == {}
