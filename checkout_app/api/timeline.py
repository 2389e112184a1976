"""GET /api/orders/<orderId>/events: what happened to an order, for staff."""

from __future__ import annotations

import uuid

from flask import Response, jsonify
from marshmallow import Schema, fields, validate

from checkout_app.api import bp
from checkout_app.api.apidoc import SERVER_ERROR, STAFF, SUPPORT, api_doc, errors, ok
from checkout_app.api.schemas import OrderPathSchema
from checkout_app.errors import DatabaseUnavailable, OrderNotFound, StaffOnly
from checkout_app.extensions import shop
from checkout_app.http.limits import support_token_limit
from checkout_app.http.staff import staff_only
from checkout_app.services.orders import order_events


class TimelineEntrySchema(Schema):
    at = fields.DateTime(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["order", "audit", "stripe"]))
    actor = fields.String(
        required=True, metadata={"description": "shopper, stripe, system, cli, staff:<email>..."}
    )
    action = fields.String(
        required=True,
        metadata={"description": "order.status_changed, a Stripe event type, refund.succeeded..."},
    )
    detail = fields.Dict(required=True)
    ip = fields.String(required=True, allow_none=True)


class TimelineResponseSchema(Schema):
    """Answer of GET /api/orders/<orderId>/events: oldest first."""

    success = fields.Boolean(required=True, validate=validate.Equal(True))
    order_id = fields.UUID(data_key="orderId", required=True)
    events = fields.List(fields.Nested(TimelineEntrySchema), required=True)


@bp.get("/orders/<order_id>/events")
@api_doc(
    "An order's timeline: state changes, Stripe events and staff actions (staff only)",
    tag="orders",
    security=[SUPPORT, STAFF],
    path=OrderPathSchema,
    replies=[
        ok(TimelineResponseSchema, "Everything that happened to the order, oldest first"),
        *errors(StaffOnly, OrderNotFound, SERVER_ERROR, DatabaseUnavailable),
    ],
)
@support_token_limit
@staff_only()
def order_timeline(order_id: str) -> Response:
    try:
        wanted = uuid.UUID(order_id)
    except ValueError as exc:
        raise OrderNotFound() from exc
    entries = order_events(shop(), wanted)
    events = [
        {
            "at": e.at.isoformat(),
            "kind": e.kind,
            "actor": e.actor,
            "action": e.action,
            "detail": e.detail,
            "ip": e.ip,
        }
        for e in entries
    ]
    return jsonify(success=True, orderId=str(wanted), events=events)
