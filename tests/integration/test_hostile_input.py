"""Hostile and broken requests: every one answered by our JSON handlers, never a 500."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from ..helpers import add_to_cart, count_rows

CREATE = "/api/checkout/create-session"


@pytest.fixture
def shopper(client, catalog):
    add_to_cart(client, "course", catalog.course)
    return client


@pytest.mark.parametrize(
    "data,content_type",
    [
        (b"\xff\xfe\xfa", "application/json"),
        (b'{"userEmail": NaN}', "application/json"),
        (b'{"userEmail": "a@example.com", "userId": Infinity}', "application/json"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),
        (b'{"userEmail": {"nested": ["junk", {"deeper": null}]}}', "application/json"),
        (b"userEmail=a@example.com", "application/x-www-form-urlencoded"),
        (b"", "application/json"),
    ],
)
def test_broken_checkout_bodies_are_400(shopper, db, data, content_type):
    res = shopper.post(CREATE, data=data, content_type=content_type)
    assert res.status_code == 400
    assert res.is_json and res.get_json()["success"] is False
    assert count_rows(db)["orders"] == 0


@pytest.mark.parametrize(
    "body,message",
    [
        ({"itemType": "event", "itemId": "x" * 10000}, "itemId must be a UUID"),
        ({"itemType": "e" * 10000, "itemId": "x"}, "itemType must be one of"),
        ({"itemType": "event", "itemId": None, "quantity": 10**400}, "itemId is required"),
        ({"itemType": ["course"], "itemId": {}}, "itemType must be one of"),
    ],
)
def test_junk_cart_bodies_are_400_naming_the_field(client, body, message):
    res = client.post("/api/cart/items", json=body)
    assert res.status_code == 400
    assert res.get_json()["error"].startswith(message)


def test_huge_integer_quantity(client, catalog):
    body = f'{{"itemType": "event", "itemId": "{catalog.event}", "quantity": {"9" * 4000}}}'
    res = client.post("/api/cart/items", data=body, content_type="application/json")
    assert res.status_code == 400


def test_body_over_16_kib_is_413_json(shopper):
    res = shopper.post(CREATE, json={"userEmail": "a@example.com", "pad": "x" * 17000})
    assert res.status_code == 413
    assert res.get_json()["success"] is False


def test_unknown_route_and_wrong_method_answer_json(client):
    missing = client.get("/api/nothing-here")
    assert (missing.status_code, missing.is_json) == (404, True)
    wrong = client.put("/api/cart")
    assert (wrong.status_code, wrong.is_json) == (405, True)
    assert "GET" in wrong.headers["Allow"]


def test_unicode_email_is_normalised_and_stored(shopper, sim, db):
    res = shopper.post(CREATE, json={"userEmail": "Zoë@Exämple.com"})
    assert res.status_code == 200
    stored = db.execute(text("SELECT customer_email FROM orders")).scalar_one()
    assert stored == "Zoë@exämple.com"


def test_request_id_is_echoed_and_logged_without_the_body(client, caplog):
    with caplog.at_level(logging.INFO, logger="checkout_app.requests"):
        res = client.post(
            "/api/cart/items?email=secret@example.com",
            json={"note": "ann@example.com"},
            headers={"X-Request-ID": "req-123"},
        )
    assert res.headers["X-Request-ID"] == "req-123"
    (line,) = [
        json.loads(r.getMessage()) for r in caplog.records if r.name == "checkout_app.requests"
    ]
    assert line["requestId"] == "req-123"
    assert (line["method"], line["path"], line["status"]) == ("POST", "/api/cart/items", 400)
    assert line["durationMs"] >= 0
    assert "example.com" not in caplog.text


def test_bad_request_id_is_replaced(client):
    res = client.get("/api/cart", headers={"X-Request-ID": "bad id; with spaces" + "x" * 80})
    assert len(res.headers["X-Request-ID"]) == 32
