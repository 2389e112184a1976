"""POST /api/webhooks/stripe: signed Stripe events."""

from __future__ import annotations

from flask import Response, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from checkout_app import messages
from checkout_app.api import bp
from checkout_app.api.apidoc import SERVER_ERROR, STRIPE_SIGNATURE, api_doc, errors, ok
from checkout_app.api.responses import WebhookReceivedSchema
from checkout_app.errors import (
    CartUnavailable,
    DatabaseUnavailable,
    InvalidWebhook,
    WebhooksNotConfigured,
)
from checkout_app.extensions import shop
from checkout_app.services.fulfilment import handle_event

# Stripe events can outgrow the 16 KiB limit meant for shopper requests.
MAX_EVENT_BYTES = 1024 * 1024


@bp.post("/webhooks/stripe")
@api_doc(
    "A signed Stripe event (checkout.session.*); other event types are recorded and ignored",
    tag="webhooks",
    body={"type": "object", "description": "The raw Stripe event, exactly as signed"},
    headers=[STRIPE_SIGNATURE],
    replies=[
        ok(WebhookReceivedSchema, "Applied, ignored, or already applied (duplicate)"),
        *errors(
            InvalidWebhook,
            (400, messages.INVALID_WEBHOOK_PAYLOAD),
            (413, str(RequestEntityTooLarge.description)),
            SERVER_ERROR,
            WebhooksNotConfigured,
            DatabaseUnavailable,
            CartUnavailable,
        ),
    ],
)
def stripe_webhook() -> Response:
    request.max_content_length = MAX_EVENT_BYTES
    applied = handle_event(shop(), request.get_data(), request.headers.get("Stripe-Signature"))
    body = {"success": True, "received": True, "duplicate": applied.duplicate}
    return jsonify(WebhookReceivedSchema().dump(body))
