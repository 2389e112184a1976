"""POST /api/checkout/create-session."""

from __future__ import annotations

from flask import Response, jsonify, request

from checkout_app import messages
from checkout_app.api import bp
from checkout_app.api.apidoc import (
    IDEMPOTENCY_KEY,
    IDEMPOTENT_REPLAYED,
    KEYED_WRITE,
    SESSION,
    SESSION_AND_IDENTITY,
    SET_COOKIE,
    TOO_LARGE,
    api_doc,
    errors,
    invalid,
    ok,
)
from checkout_app.api.responses import CheckoutSessionSchema
from checkout_app.api.schemas import (
    CHECKOUT_ERRORS,
    CheckoutRequestSchema,
    load,
)
from checkout_app.errors import (
    CartEmpty,
    CartNotFound,
    CartUnavailable,
    CheckoutError,
    DatabaseUnavailable,
    HoldLimitReached,
    ItemsUnavailable,
    NoSession,
    PaymentUnavailable,
)
from checkout_app.extensions import shop
from checkout_app.http.auth import bearer_token
from checkout_app.http.error_handlers import failures_as
from checkout_app.http.idempotency import idempotent
from checkout_app.http.limits import checkout_limit
from checkout_app.http.session import current_session_id, issue_session_id, set_session_cookie
from checkout_app.services.checkout import CheckoutRequest, create_checkout

FIELD_ORDER = ("userEmail", "userId", "successUrl", "cancelUrl")
# Built once: a schema's fields are set up when it is made, and loading or dumping keeps no
# state on it (thread-safe), so every request can share these.
REQUEST_SCHEMA = CheckoutRequestSchema()
ANSWER_SCHEMA = CheckoutSessionSchema()


def checkout_request() -> CheckoutRequest:
    """The request body, validated (contract rows 4-7), and who sent it."""
    body = load(REQUEST_SCHEMA, request.get_json(silent=True), FIELD_ORDER)
    return CheckoutRequest(
        customer_email=body["user_email"],
        user_id=body["user_id"],
        success_url=body["success_url"],
        cancel_url=body["cancel_url"],
        identity_token=bearer_token(),
        next_session_id=issue_session_id(),
        client_address=request.remote_addr,
    )


@bp.post("/checkout/create-session")
@api_doc(
    "Turn the cart into a pending order and a Stripe Checkout Session",
    tag="checkout",
    security=[SESSION, SESSION_AND_IDENTITY],
    body=CheckoutRequestSchema,
    headers=[IDEMPOTENCY_KEY],
    replies=[
        ok(
            CheckoutSessionSchema,
            "Send the shopper to sessionUrl to pay; the session cookie is rotated",
            headers=[SET_COOKIE, IDEMPOTENT_REPLAYED],
        ),
        *errors(
            CartEmpty,
            *invalid(*CHECKOUT_ERRORS),
            NoSession,
            CartNotFound,
            ItemsUnavailable,
            HoldLimitReached,
            TOO_LARGE,
            *KEYED_WRITE,
            CheckoutError,
            PaymentUnavailable,
            CartUnavailable,
            DatabaseUnavailable,
        ),
    ],
)
@idempotent(needs_session=True)
@checkout_limit
@failures_as(CheckoutError)
def create_session() -> Response:
    result = create_checkout(shop(), current_session_id(), checkout_request)
    body = {
        "success": True,
        "session_id": result.session_id,
        "session_url": result.session_url,
        "order_id": result.order_id,
        "message": messages.CHECKOUT_CREATED,
    }
    response = jsonify(ANSWER_SCHEMA.dump(body))
    if result.rotated_session_id:
        set_session_cookie(response, result.rotated_session_id)
    return response
