"""POST /api/checkout/create-session."""

from __future__ import annotations

from flask import Response, jsonify, request

from ..extensions import shop
from ..services.checkout import CheckoutRequest, cart_for_checkout, create_checkout
from . import bp
from .schemas import CheckoutRequestSchema, load
from .session import current_session_id

FIELD_ORDER = ("userEmail", "userId", "successUrl", "cancelUrl")


@bp.post("/checkout/create-session")
def create_session() -> Response:
    cart = cart_for_checkout(shop(), current_session_id())
    body = load(CheckoutRequestSchema(), request.get_json(silent=True), FIELD_ORDER)
    result = create_checkout(
        shop(),
        cart,
        CheckoutRequest(
            customer_email=body["user_email"],
            user_id=body["user_id"],
            success_url=body["success_url"],
            cancel_url=body["cancel_url"],
        ),
    )
    return jsonify(
        success=True,
        sessionId=result.session_id,
        sessionUrl=result.session_url,
        orderId=str(result.order_id),
        message="Checkout session created successfully",
    )
