"""The @api_doc mechanism on a throwaway app: the one-line additions the next routes need."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask
from openapi_spec_validator import validate

from checkout_app.api.apidoc import (
    IDEMPOTENCY_KEY,
    IDEMPOTENT_REPLAYED,
    SESSION,
    STRIPE_SIGNATURE,
    SUPPORT,
    api_doc,
    errors,
    ok,
)
from checkout_app.api.openapi import build_spec
from checkout_app.api.responses import CartResponseSchema
from checkout_app.errors import CartUnavailable, ItemNotFound, OrderNotFound

EVENT = {"type": "object", "required": ["id", "type"]}


def build(*register) -> dict[str, Any]:
    """The document of an app with these views on an /api blueprint."""
    bp = Blueprint("api", __name__, url_prefix="/api")
    for add in register:
        add(bp)
    app = Flask(__name__)
    app.register_blueprint(bp)
    document = build_spec(app)
    validate(document)
    return document


def order_route(bp: Blueprint) -> None:
    @bp.get("/orders/<uuid:order_id>")
    @api_doc(
        "An order",
        tag="orders",
        security=[SESSION, SUPPORT],
        replies=[ok({}, "The order"), *errors(OrderNotFound)],
    )
    def get_order(order_id: str) -> str:
        return ""


def webhook_route(bp: Blueprint) -> None:
    @bp.post("/webhooks/stripe")
    @api_doc(
        "A signed Stripe event",
        tag="webhooks",
        body=EVENT,
        headers=[STRIPE_SIGNATURE],
        replies=[ok({"type": "object"}, "Received"), *errors((400, "Invalid webhook signature"))],
    )
    def stripe_webhook() -> str:
        return ""


def idempotent_route(bp: Blueprint) -> None:
    @bp.post("/cart/items")
    @api_doc(
        "Add an item",
        tag="cart",
        headers=[IDEMPOTENCY_KEY],
        replies=[
            ok(CartResponseSchema, "The cart", status=201, headers=[IDEMPOTENT_REPLAYED]),
            *errors(
                ItemNotFound, (409, "Request in progress"), (422, "Key reused"), CartUnavailable
            ),
            *errors((413, "Too large"), (429, "Too many requests. Please try again later.")),
        ],
    )
    def add_item() -> str:
        return ""


def test_path_parameters_follow_the_rule_converters() -> None:
    operation = build(order_route)["paths"]["/api/orders/{order_id}"]["get"]
    assert operation["parameters"] == [
        {
            "in": "path",
            "name": "order_id",
            "required": True,
            "schema": {"type": "string", "format": "uuid"},
        }
    ]
    assert operation["responses"]["404"]["content"]["application/json"]["schema"]["properties"] == {
        "error": {"enum": ["Order not found"]}
    }
    assert operation["security"] == [{"sessionCookie": []}, {"supportToken": []}]


def test_a_webhook_takes_a_raw_body_and_a_signature_header() -> None:
    operation = build(webhook_route)["paths"]["/api/webhooks/stripe"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == EVENT
    assert operation["parameters"] == [STRIPE_SIGNATURE.parameter()]
    assert operation["parameters"][0]["required"] is True
    assert set(operation["responses"]) == {"200", "400"}


def test_idempotency_key_header_and_replayed_answer() -> None:
    operation = build(idempotent_route)["paths"]["/api/cart/items"]["post"]
    assert operation["parameters"] == [IDEMPOTENCY_KEY.parameter()]
    assert operation["parameters"][0]["required"] is False
    assert operation["responses"]["201"]["headers"] == {
        "Idempotent-Replayed": {"$ref": "#/components/headers/Idempotent-Replayed"}
    }
    assert set(operation["responses"]) == {"201", "404", "409", "413", "422", "429", "503"}
    for status in ("429", "503"):
        assert "Retry-After" in operation["responses"][status]["headers"]


def test_a_route_without_api_doc_is_listed_as_undescribed() -> None:
    def bare(bp: Blueprint) -> None:
        bp.get("/bare/<int:n>")(lambda n: "")

    operation = build(bare)["paths"]["/api/bare/{n}"]["get"]
    assert operation["x-undocumented"] is True
    assert operation["parameters"][0]["schema"] == {"type": "integer"}


def test_two_answers_for_one_status_are_refused() -> None:
    with pytest.raises(ValueError, match="one reply per status"):
        api_doc("x", tag="t", replies=[ok({}, "a"), ok({}, "b")])


def test_errors_group_messages_by_status() -> None:
    (answer,) = errors((400, "a"), (400, "b"))
    assert answer.status == 400
    assert answer.schema["properties"] == {"error": {"enum": ["a", "b"]}}
    assert "- `a`" in answer.description and "- `b`" in answer.description
