"""The refund as JSON, shared by the API and `flask refund-order`."""

from __future__ import annotations

from typing import Any

from checkout_app.domain.money import format_amount
from checkout_app.services.refunds import RefundView


def refund_json(refund: RefundView) -> dict[str, Any]:
    """A refund as camelCase JSON with amounts as strings."""
    return {
        "refundId": str(refund.id),
        "orderId": str(refund.order_id),
        "amount": format_amount(refund.amount),
        "currency": refund.currency,
        "status": refund.status,
        "reason": refund.reason,
        "actor": refund.actor,
        "stripeRefundId": refund.stripe_refund_id,
        "createdAt": refund.created_at.isoformat(),
        "items": [
            {
                "itemType": line.item_type,
                "title": line.title,
                "quantity": line.quantity,
                "amount": format_amount(line.amount),
            }
            for line in refund.lines
        ],
    }
