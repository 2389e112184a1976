"""Personal data: who sees an order, what caches keep, signed events and body limits."""

from __future__ import annotations

import io
import json
import time

import pytest

from checkout_app.config import ConfigError, load_config

from ..conftest import SUPPORT_TOKEN, WEBHOOK_SECRET
from ..helpers import add_to_cart, signature, signed, stripe_event
from ..web.helpers import csrf_token

WEBHOOK = "/api/webhooks/stripe"


@pytest.fixture
def placed(client, catalog, sim):
    """A client that checked out a course: (client, checkout response body)."""
    add_to_cart(client, "course", catalog.course)
    res = client.post("/api/checkout/create-session", json={"userEmail": "ann@example.com"})
    assert res.status_code == 200
    return client, res.get_json()


class TestSuccessPage:
    def test_the_session_that_ordered_sees_the_details(self, placed):
        client, body = placed
        page = client.get(f"/checkout/success?session_id={body['sessionId']}")
        assert page.status_code == 200
        assert "ann@example.com" in page.get_data(as_text=True)
        assert "Python Foundations" in page.get_data(as_text=True)

    def test_anyone_else_sees_the_status_without_personal_data(self, placed, make_app):
        _, body = placed
        page = make_app().test_client().get(f"/checkout/success?session_id={body['sessionId']}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert 'data-order-status="pending"' in html
        assert "ann@example.com" not in html
        assert body["orderId"] not in html
        assert "Python Foundations" not in html


class TestNoStore:
    def test_personal_answers_are_never_cached(self, placed):
        client, body = placed
        answers = [
            client.get("/api/cart"),
            client.get(f"/api/orders/{body['orderId']}"),
            client.get("/cart"),
            client.get("/checkout"),
            client.get(f"/checkout/success?session_id={body['sessionId']}"),
            client.post("/api/checkout/create-session", json={"userEmail": "ann@example.com"}),
            client.get("/api/orders/not-a-uuid"),
        ]
        for answer in answers:
            assert answer.headers["Cache-Control"] == "no-store", answer.request.path
            assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_api_docs_carry_security_headers(client):
    res = client.get("/api/docs")
    policy = res.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert "script-src" not in policy  # scripts stay 'self' only
    assert res.headers["X-Content-Type-Options"] == "nosniff"


class TestWebhookInput:
    def deliver(self, client, body: bytes, timestamp: int | None = None):
        return client.post(
            WEBHOOK,
            data=body,
            content_type="application/json",
            headers={"Stripe-Signature": signature(body, WEBHOOK_SECRET, timestamp)},
        )

    def test_an_event_dated_in_the_future_is_refused(self, client):
        body, _ = signed(stripe_event("payment_intent.created", {"id": "pi_1"}), WEBHOOK_SECRET)
        future = self.deliver(client, body, int(time.time()) + 301)
        assert (future.status_code, future.get_json()["error"]) == (
            400,
            "Invalid webhook signature",
        )
        assert self.deliver(client, body, int(time.time()) + 60).status_code == 200

    @pytest.mark.parametrize(
        "build",
        [
            lambda e: json.dumps(e)[:-1] + ', "deep": ' + "[" * 5000 + "]" * 5000 + "}",
            lambda e: json.dumps(e)[:-1] + ', "deep": ' + "[" * 100 + "]" * 100 + "}",
            lambda e: json.dumps(e)[:-1] + ', "big": 1e999}',
            lambda e: json.dumps(e)[:-1] + ', "nan": NaN}',
            lambda e: json.dumps(e)[:-1] + ', "huge": ' + "9" * 5000 + "}",
        ],
        ids=["nested-5000", "nested-100", "infinity", "nan", "huge-int"],
    )
    def test_nested_or_oversized_events_answer_400(self, client, build):
        event = stripe_event("checkout.session.completed", {"id": "cs_x", "object": "x"})
        res = self.deliver(client, build(event).encode())
        assert (res.status_code, res.get_json()["error"]) == (400, "Invalid webhook payload")

    @pytest.mark.parametrize(
        "changes", [{"amount_total": "4900"}, {"amount_total": 49.5}, {"payment_intent": 7}]
    )
    def test_session_fields_of_the_wrong_type_answer_400(self, client, changes):
        session = {"id": "cs_typed", "object": "checkout.session", **changes}
        body = json.dumps(stripe_event("checkout.session.completed", session)).encode()
        assert self.deliver(client, body).status_code == 400


class TestChunkedBodies:
    def chunked(self, client, path: str, body: bytes, content_type: str):
        return client.post(
            path,
            input_stream=io.BytesIO(body),
            headers={"Content-Type": content_type, "Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},  # as gunicorn sets it
        )

    def test_a_chunked_json_body_over_the_limit_is_413(self, client):
        big = json.dumps({"itemType": "course", "itemId": "x" * 20_000}).encode()
        assert self.chunked(client, "/api/cart/items", big, "application/json").status_code == 413
        small = json.dumps({"itemType": "course"}).encode()
        assert self.chunked(client, "/api/cart/items", small, "application/json").status_code == 400

    def test_a_chunked_form_over_the_limit_is_413(self, client, catalog):
        token = csrf_token(client)
        form = f"csrf_token={token}&item_type=course&item_id={'x' * 20_000}".encode()
        res = self.chunked(client, "/cart/items", form, "application/x-www-form-urlencoded")
        assert res.status_code == 413


class TestSupportToken:
    def test_the_token_needs_the_bearer_scheme(self, placed, make_app):
        _, body = placed
        stranger = make_app().test_client()
        url = f"/api/orders/{body['orderId']}"
        assert stranger.get(url, headers={"Authorization": SUPPORT_TOKEN}).status_code == 404
        assert (
            stranger.get(url, headers={"Authorization": f"Basic {SUPPORT_TOKEN}"}).status_code
            == 404
        )
        ok = stranger.get(url, headers={"Authorization": f"bearer {SUPPORT_TOKEN}"})
        assert ok.status_code == 200

    def test_a_short_token_refuses_to_start(self):
        with pytest.raises(ConfigError, match="SUPPORT_API_TOKEN"):
            load_config({"APP_ENV": "test", "SUPPORT_API_TOKEN": "x" * 31})
        assert (
            load_config({"APP_ENV": "test", "SUPPORT_API_TOKEN": "x" * 32})["SUPPORT_API_TOKEN"]
            == "x" * 32
        )
