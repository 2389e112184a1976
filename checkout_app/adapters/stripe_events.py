"""Checks on a signed Stripe event before anything reads it: timestamp, depth, field types."""

from __future__ import annotations

import math
from typing import Any

# Stripe's events nest a handful of levels; far deeper is an attack on the parser or on JSONB.
MAX_EVENT_DEPTH = 32


def signed_at(signature: str) -> int:
    """The `t=` of a Stripe-Signature header that verify_header has accepted."""
    stamps = [item[2:] for item in signature.split(",") if item.startswith("t=")]
    return int(stamps[0]) if stamps and stamps[0].isdigit() else 0


def finite_float(text: str) -> float:
    """json.loads hook: 1e999 would parse as infinity, which JSONB refuses."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def refuse_constant(name: str) -> Any:
    """json.loads hook: NaN and Infinity are not JSON (and JSONB refuses them)."""
    raise ValueError(f"{name} is not JSON")


def _depth(data: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value."""
    deepest, level = 0, [(data, 1)]
    while level:
        value, depth = level.pop()
        deepest = max(deepest, depth)
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            level.extend((child, depth + 1) for child in children)
    return deepest


def _session_fields_typed(obj: dict[str, Any]) -> bool:
    """A checkout.session's fields we read have Stripe's types (no bool, str or float totals)."""
    amount, expires = obj.get("amount_total"), obj.get("expires_at")
    numbers_ok = all(v is None or (type(v) is int and abs(v) < 2**53) for v in (amount, expires))
    texts = ("currency", "payment_status", "status", "client_reference_id", "url")
    texts_ok = all(isinstance(obj.get(name), str | None) for name in texts)
    intent = obj.get("payment_intent")
    intent_id = intent.get("id") if isinstance(intent, dict) else intent
    return (
        numbers_ok
        and texts_ok
        and isinstance(obj.get("metadata"), dict | None)
        and isinstance(intent_id, str | None)
    )


def is_event(data: Any) -> bool:
    """The shape of a Stripe event, with ids that fit our columns."""
    if not isinstance(data, dict) or data.get("object") != "event":
        return False
    if _depth(data) > MAX_EVENT_DEPTH:
        return False
    event_id, event_type, body = data.get("id"), data.get("type"), data.get("data")
    if not (_short_text(event_id, 255) and _short_text(event_type, 100)):
        return False
    if not isinstance(body, dict) or not isinstance(body.get("object"), dict):
        return False
    obj = body["object"]
    if obj.get("object") != "checkout.session":
        return True
    return _short_text(obj.get("id"), 255) and _session_fields_typed(obj)


def _short_text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit
