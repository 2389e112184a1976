"""Refund, charge and dispute objects from Stripe's JSON, as the app's own small dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class NotAStripeObject(ValueError):
    """The JSON lacks a field every object of its kind has."""


@dataclass(frozen=True)
class StripeRefund:
    id: str
    amount: int
    currency: str
    status: str
    payment_intent_id: str | None
    reason: str | None
    order_reference: str | None  # metadata.orderId, set by us
    refund_reference: str | None  # metadata.refundId, set by us
    failure_reason: str | None = None


@dataclass(frozen=True)
class StripeCharge:
    id: str
    payment_intent_id: str | None
    amount: int
    amount_refunded: int
    currency: str
    refunds: tuple[StripeRefund, ...]


@dataclass(frozen=True)
class StripeDispute:
    id: str
    status: str
    amount: int
    currency: str
    payment_intent_id: str | None


def refund_of(data: dict[str, Any]) -> StripeRefund:
    """A refund object (`re_...`)."""
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    return StripeRefund(
        id=_text(data, "id"),
        amount=_integer(data, "amount"),
        currency=_text(data, "currency"),
        status=_text(data, "status"),
        payment_intent_id=_ref(data.get("payment_intent")),
        reason=data.get("reason") if isinstance(data.get("reason"), str) else None,
        order_reference=_optional(metadata.get("orderId")),
        refund_reference=_optional(metadata.get("refundId")),
        failure_reason=_optional(data.get("failure_reason")),
    )


def charge_of(data: dict[str, Any]) -> StripeCharge:
    """A charge object (`ch_...`) with the refunds it lists."""
    refunds = data.get("refunds")
    listed = refunds.get("data") if isinstance(refunds, dict) else []
    if not isinstance(listed, list) or not all(isinstance(r, dict) for r in listed):
        raise NotAStripeObject("charge.refunds.data is not a list of refunds")
    return StripeCharge(
        id=_text(data, "id"),
        payment_intent_id=_ref(data.get("payment_intent")),
        amount=_integer(data, "amount"),
        amount_refunded=_integer(data, "amount_refunded"),
        currency=_text(data, "currency"),
        refunds=tuple(refund_of(r) for r in listed),
    )


def dispute_of(data: dict[str, Any]) -> StripeDispute:
    """A dispute object (`dp_...`)."""
    return StripeDispute(
        id=_text(data, "id"),
        status=_text(data, "status"),
        amount=_integer(data, "amount"),
        currency=_text(data, "currency"),
        payment_intent_id=_ref(data.get("payment_intent")),
    )


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not 0 < len(value) <= 255:
        raise NotAStripeObject(f"{key} is not a short string")
    return value


def _integer(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**12:
        raise NotAStripeObject(f"{key} is not an amount")
    return value


def _optional(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 255 else None


def _ref(value: Any) -> str | None:
    """An expandable field: an id, or the object carrying it."""
    if isinstance(value, dict):
        value = value.get("id")
    return _optional(value)
