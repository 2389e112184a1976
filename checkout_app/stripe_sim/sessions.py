"""Validation of Checkout Session create params and construction of the session object."""

import re
import secrets
import string
from typing import Any

from .params import (
    ParamError,
    missing,
    name_of,
    read_hash,
    read_integer,
    read_list,
    read_string,
    read_url,
    reject_unknown,
)

CREATE_PARAMS = frozenset(
    {
        "mode",
        "line_items",
        "success_url",
        "cancel_url",
        "customer_email",
        "client_reference_id",
        "metadata",
        "expires_at",
        "payment_method_types",
        "currency",
        "locale",
        "payment_intent_data",
    }
)
LINE_ITEM_PARAMS = frozenset({"price_data", "quantity"})
PRICE_DATA_PARAMS = frozenset({"currency", "unit_amount", "product_data"})
PRODUCT_DATA_PARAMS = frozenset({"name", "description"})
MODES = ("payment", "setup", "subscription")
CURRENCY_PATTERN = re.compile(r"^[a-z]{3}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_EXPIRY_SECONDS = 30 * 60
MAX_EXPIRY_SECONDS = 24 * 60 * 60
CLOCK_SKEW_SECONDS = 5
ID_ALPHABET = string.ascii_letters + string.digits


def random_id(prefix: str, length: int) -> str:
    """A Stripe-style object id: prefix followed by random alphanumerics."""
    return prefix + "".join(secrets.choice(ID_ALPHABET) for _ in range(length))


def build_session(
    params: dict[str, Any], base_url: str, now: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate create params like Stripe and return the new session and its line items."""
    reject_unknown(params, CREATE_PARAMS)
    mode = read_string(params, "mode", required=True)
    if mode not in MODES:
        raise ParamError(f"Invalid mode: must be one of {', '.join(MODES)}", "mode")
    items = read_line_items(params, required=mode == "payment")
    success_url = read_url(params, "success_url", required=True)
    cancel_url = read_url(params, "cancel_url")
    expires_at = read_expires_at(params, now)
    customer_email = read_string(params, "customer_email", max_length=800)
    if customer_email is not None and not EMAIL_PATTERN.match(customer_email):
        raise ParamError(f"Invalid email address: {customer_email}", "customer_email")
    client_reference_id = read_string(params, "client_reference_id", max_length=200)
    metadata = read_metadata(params)
    payment_method_types = read_payment_method_types(params)
    currency = read_currency(params, "currency")
    locale = read_string(params, "locale")
    read_hash(params, "payment_intent_data")
    session_id = random_id("cs_test_", 58)
    total = sum(item["amount_total"] for item in items) if items else None
    session = {
        "id": session_id,
        "object": "checkout.session",
        "url": f"{base_url}/c/pay/{session_id}",
        "status": "open",
        "payment_status": "unpaid",
        "mode": mode,
        "amount_subtotal": total,
        "amount_total": total,
        "currency": items[0]["currency"] if items else currency,
        "client_reference_id": client_reference_id,
        "metadata": metadata,
        "customer_email": customer_email,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": expires_at or now + MAX_EXPIRY_SECONDS,
        "created": now,
        "locale": locale,
        "payment_method_types": payment_method_types,
        "payment_intent": None,
        "livemode": False,
    }
    return session, items


def read_line_items(params: dict[str, Any], required: bool) -> list[dict[str, Any]]:
    """Validate `line_items` and return them as Stripe line item objects."""
    lines = read_list(params, "line_items")
    if not lines:
        if required:
            raise missing("line_items")
        return []
    items = [read_line_item(line, f"line_items[{index}]") for index, line in enumerate(lines)]
    for index, item in enumerate(items):
        if item["currency"] != items[0]["currency"]:
            raise ParamError(
                "Checkout does not support multiple currencies in one session: "
                f"line_items[0] uses '{items[0]['currency']}' but "
                f"line_items[{index}] uses '{item['currency']}'.",
                f"line_items[{index}][price_data][currency]",
            )
    return items


def read_line_item(line: Any, prefix: str) -> dict[str, Any]:
    """Validate one entry of `line_items` (price_data only) and build its line item."""
    if not isinstance(line, dict):
        raise ParamError("Invalid object", prefix)
    reject_unknown(line, LINE_ITEM_PARAMS, prefix)
    price_prefix = name_of(prefix, "price_data")
    price_data = read_hash(line, "price_data", prefix)
    if price_data is None:
        raise missing(price_prefix)
    quantity = read_integer(line, "quantity", prefix, required=True, minimum=1)
    reject_unknown(price_data, PRICE_DATA_PARAMS, price_prefix)
    currency = read_currency(price_data, "currency", price_prefix, required=True)
    unit_amount = read_integer(price_data, "unit_amount", price_prefix, required=True)
    product_prefix = name_of(price_prefix, "product_data")
    product_data = read_hash(price_data, "product_data", price_prefix)
    if product_data is None:
        raise missing(product_prefix)
    reject_unknown(product_data, PRODUCT_DATA_PARAMS, product_prefix)
    name = read_string(product_data, "name", product_prefix, required=True, max_length=250)
    description = read_string(product_data, "description", product_prefix)
    assert quantity is not None and unit_amount is not None
    amount = unit_amount * quantity
    # The product as `expand[]=data.price.product` shows it: the hosted page prints its
    # description (an event's date and venue) under the name, as Stripe's does.
    product = {"object": "product", "name": name, "description": description}
    return {
        "id": random_id("li_", 24),
        "object": "item",
        "description": name,
        "quantity": quantity,
        "amount_subtotal": amount,
        "amount_total": amount,
        "currency": currency,
        "price": {
            "object": "price",
            "unit_amount": unit_amount,
            "currency": currency,
            "product": product,
        },
    }


def read_currency(
    values: dict[str, Any], key: str, prefix: str = "", required: bool = False
) -> str | None:
    """A three-letter lowercase ISO currency code."""
    currency = read_string(values, key, prefix, required=required)
    if currency is not None and not CURRENCY_PATTERN.match(currency):
        raise ParamError(f"Invalid currency: {currency}", name_of(prefix, key))
    return currency


def read_payment_method_types(params: dict[str, Any]) -> list[str]:
    """`payment_method_types`: a list of non-empty strings, by default ["card"]."""
    types = read_list(params, "payment_method_types") or ["card"]
    for index, value in enumerate(types):
        if not isinstance(value, str) or not value:
            raise ParamError(f"Invalid string: {value!r}", f"payment_method_types[{index}]")
    return types


def read_expires_at(params: dict[str, Any], now: int) -> int | None:
    """`expires_at`, which must fall between 30 minutes and 24 hours from now."""
    expires_at = read_integer(params, "expires_at")
    if expires_at is None:
        return None
    if expires_at < now + MIN_EXPIRY_SECONDS - CLOCK_SKEW_SECONDS:
        raise ParamError(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session "
            "creation.",
            "expires_at",
        )
    if expires_at > now + MAX_EXPIRY_SECONDS + CLOCK_SKEW_SECONDS:
        raise ParamError(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            "expires_at",
        )
    return expires_at


def read_metadata(params: dict[str, Any]) -> dict[str, str]:
    """`metadata`: at most 50 string values, keys up to 40 and values up to 500 characters."""
    raw = read_hash(params, "metadata") or {}
    if len(raw) > 50:
        raise ParamError("You can specify up to 50 keys in metadata.", "metadata")
    metadata: dict[str, str] = {}
    for key, value in raw.items():
        name = name_of("metadata", key)
        if len(key) > 40:
            raise ParamError(f"Metadata keys can be at most 40 characters: {key}", name)
        if not isinstance(value, str):
            raise ParamError(f"Invalid value type: {value!r} must be a string", name)
        if len(value) > 500:
            raise ParamError(
                f"Metadata values can have up to 500 characters, but you passed in a value "
                f"that is {len(value)} characters.",
                name,
            )
        if value:
            metadata[key] = value
    return metadata
