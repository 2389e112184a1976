"""POST /api/orders/<orderId>/refunds: staff give money back, all, by amount or by lines."""

from __future__ import annotations

import uuid

from flask import Response, g, jsonify, request

from checkout_app.api import bp
from checkout_app.api.apidoc import (
    SERVER_ERROR,
    STAFF,
    SUPPORT,
    TOO_LARGE,
    api_doc,
    errors,
    invalid,
    ok,
)
from checkout_app.api.refund_schemas import REFUND_ERRORS, RefundRequestSchema, RefundResponseSchema
from checkout_app.api.schemas import OrderPathSchema, load
from checkout_app.domain.staff import StaffRole
from checkout_app.errors import (
    DatabaseUnavailable,
    LineOverRefunded,
    OrderDisputed,
    OrderFullyRefunded,
    OrderNotFound,
    OrderNotPaid,
    PaymentUnavailable,
    RefundDeclined,
    RefundTooLarge,
    StaffForbidden,
    StaffOnly,
)
from checkout_app.extensions import shop
from checkout_app.http.limits import support_token_limit
from checkout_app.http.refund_bodies import refund_json
from checkout_app.http.staff import staff_only
from checkout_app.services.refunds import RefundAsk, refund_order


@bp.post("/orders/<order_id>/refunds")
@api_doc(
    "Refund a paid order through Stripe: everything left, an amount, or lines (staff only)",
    tag="orders",
    security=[SUPPORT, STAFF],
    path=OrderPathSchema,
    body=RefundRequestSchema,
    replies=[
        ok(RefundResponseSchema, "Asked of Stripe; pending until Stripe confirms", status=202),
        *errors(
            *invalid(*REFUND_ERRORS),
            StaffOnly,
            StaffForbidden,
            OrderNotFound,
            OrderNotPaid,
            OrderFullyRefunded,
            OrderDisputed,
            RefundTooLarge,
            LineOverRefunded,
            RefundDeclined,
            TOO_LARGE,
            SERVER_ERROR,
            PaymentUnavailable,
            DatabaseUnavailable,
        ),
    ],
)
@support_token_limit
@staff_only(role=StaffRole.MANAGER)
def create_refund(order_id: str) -> Response:
    try:
        order = uuid.UUID(order_id)
    except ValueError as exc:
        raise OrderNotFound() from exc
    body = load(RefundRequestSchema(), request.get_json(silent=True), ("amount", "items", "reason"))
    items = [
        (f"{line['item_type'].value}:{line['item_id']}", line["quantity"])
        for line in body["items"] or []
    ]
    ask = RefundAsk(amount=body["amount"], items=items, reason=body["reason"])
    refund = refund_order(shop(), order, ask, g.staff_actor, request.remote_addr)
    response = jsonify(success=True, refund=refund_json(refund))
    response.status_code = 202
    return response
