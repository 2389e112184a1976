"""Decoding of Stripe's nested form encoding, as produced by stripe-python."""

from urllib.parse import urlencode

import pytest
from stripe._encode import _api_encode

from checkout_app.stripe_sim.params import ParamError, decode_form

from .helpers import session_params


def sdk_encode(params: dict) -> str:
    """Encode params exactly as the SDK does for a v1 request body."""
    return urlencode(list(_api_encode(params))).replace("%5B", "[").replace("%5D", "]")


def test_sdk_encoding_round_trips() -> None:
    body = sdk_encode(session_params())

    assert "line_items[0][price_data][unit_amount]=4900" in body
    assert "metadata[orderId]=42" in body
    decoded = decode_form(body)
    assert decoded["line_items"][1] == {
        "quantity": "1",
        "price_data": {
            "currency": "usd",
            "unit_amount": "1500",
            "product_data": {"name": "Poster"},
        },
    }
    assert decoded["metadata"] == {"orderId": "42"}
    assert decoded["success_url"] == "https://shop.test/success?session_id={CHECKOUT_SESSION_ID}"


def test_empty_brackets_append() -> None:
    decoded = decode_form("types[]=card&types[]=link&items[][a]=1&items[][b]=2&items[][a]=3")

    assert decoded == {"types": ["card", "link"], "items": [{"a": "1", "b": "2"}, {"a": "3"}]}


def test_sparse_or_named_indices_stay_dicts() -> None:
    assert decode_form("metadata[5]=x&metadata[0]=y") == {"metadata": {"5": "x", "0": "y"}}
    assert decode_form("line_items[1][quantity]=2") == {"line_items": {"1": {"quantity": "2"}}}


def test_blank_values_and_plain_keys() -> None:
    assert decode_form("customer_email=&odd[key=1") == {"customer_email": "", "odd[key": "1"}


def test_scalar_and_hash_conflict_is_rejected() -> None:
    with pytest.raises(ParamError) as caught:
        decode_form("metadata=x&metadata[a]=b")

    assert caught.value.param == "metadata"
