"""When two checkouts are the same purchase, and when an open one is handed out again."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from checkout_app.db.repository import OpenCheckout
from checkout_app.domain.pricing import PricedCart

if TYPE_CHECKING:
    from checkout_app.services.checkout import CheckoutRequest

# A session about to expire is not handed out again: the shopper needs time to pay.
REUSE_MARGIN = timedelta(minutes=5)


def checkout_fingerprint(cart: PricedCart, request: CheckoutRequest) -> str:
    """A digest of everything that makes two checkouts the same purchase."""
    material = {
        "lines": [[line.key.field, line.quantity, str(line.unit_price)] for line in cart.lines],
        "tax": str(cart.tax),
        "currency": cart.currency,
        "email": request.customer_email,
        "user": str(request.user_id) if request.user_id else None,
        "urls": [request.success_url, request.cancel_url],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def reusable_checkout(open_checkouts: list[OpenCheckout], fingerprint: str) -> OpenCheckout | None:
    """The open order of the same purchase whose session has time left to pay; else None (the
    new checkout then supersedes every open one)."""
    fresh_until = datetime.now(UTC) + REUSE_MARGIN
    return next(
        (
            o
            for o in open_checkouts
            if o.checkout_fingerprint == fingerprint
            and o.stripe_session_expires_at is not None
            and o.stripe_session_expires_at > fresh_until
        ),
        None,
    )
