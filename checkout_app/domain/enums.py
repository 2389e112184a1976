"""The shop's vocabulary: item types and the statuses of orders and bookings."""

from __future__ import annotations

import enum


class ItemType(enum.StrEnum):
    COURSE = "course"
    DIGITAL_PRODUCT = "digital_product"
    EVENT = "event"


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    DISPUTED = "disputed"


class BookingStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class RefundStatus(enum.StrEnum):
    """Stripe's refund statuses, which a refund row mirrors."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


# Stripe's reasons for a refund (its `reason` parameter accepts only these).
REFUND_REASONS = ("requested_by_customer", "duplicate", "fraudulent")
