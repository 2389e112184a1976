"""Answers the fuzzing run cannot provoke (servers down) hold to the document too."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from schemathesis.checks import not_a_server_error
from werkzeug.test import TestResponse

from tests.helpers import add_course, add_to_cart, issued_session_id

CLOSED = "127.0.0.1:9"  # the discard port: nothing listens there


def conforms(client: FlaskClient, method: str, path: str, response: TestResponse) -> None:
    """Run schemathesis' response checks (status, content type, body, headers) on an answer."""
    schema = schemathesis.openapi.from_dict(client.get("/api/openapi.json").get_json())
    # These 5xx answers are the point of the test, not server errors.
    schema[path][method].Case().validate_response(response, excluded_checks=[not_a_server_error])


@pytest.fixture
def shopper(client: FlaskClient, db) -> FlaskClient:
    """A client whose cart holds a course."""
    assert add_to_cart(client, "course", add_course(db, "Python", "49.00")).status_code == 201
    return client


def test_redis_down_is_a_503_with_retry_after(make_app) -> None:
    client = make_app(REDIS_URL=f"redis://{CLOSED}/0").test_client()
    client.set_cookie("session_id", issued_session_id())
    response = client.get("/api/cart")
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    conforms(client, "GET", "/api/cart", response)


def test_postgres_down_is_a_503_with_retry_after(make_app, db) -> None:
    app: Flask = make_app(DATABASE_URL=f"postgresql+psycopg2://postgres@{CLOSED}/none")
    client = app.test_client()
    response = add_to_cart(client, "course", add_course(db, "Python", "49.00"))
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    conforms(client, "POST", "/api/cart/items", response)


def test_stripe_down_is_a_503_with_retry_after(shopper: FlaskClient, sim) -> None:
    sim.fail("500", count=10)
    response = shopper.post("/api/checkout/create-session", json={"userEmail": "ann@example.com"})
    assert response.status_code == 503
    assert response.get_json()["error"] == "Payment system error. Please try again later."
    conforms(shopper, "POST", "/api/checkout/create-session", response)


def test_a_body_over_the_limit_is_a_json_413(shopper: FlaskClient) -> None:
    response = shopper.post(
        "/api/cart/items",
        data='{"itemType": "' + "x" * 20_000 + '"}',
        content_type="application/json",
    )
    assert response.status_code == 413
    conforms(shopper, "POST", "/api/cart/items", response)
