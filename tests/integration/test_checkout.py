"""POST /api/checkout/create-session against real PostgreSQL, Redis and the Stripe simulator."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from sqlalchemy import text

from ..conftest import JWT_SECRET
from ..helpers import (
    add_course,
    add_to_cart,
    bearer,
    count_rows,
    identity_token,
    recorded_statements,
)

OK_MESSAGE = "Checkout session created successfully"


def checkout(client, **body):
    return client.post("/api/checkout/create-session", json=body)


@pytest.fixture
def shopper(client, catalog):
    """A client whose cart holds a course, an e-book and two event tickets."""
    add_to_cart(client, "course", catalog.course)
    add_to_cart(client, "digital_product", catalog.product)
    add_to_cart(client, "event", catalog.event, 2)
    return client


def cart_of(client) -> dict:
    return client.get("/api/cart").get_json()["cart"]


def stripe_creates(sim) -> list[dict]:
    return [
        r for r in sim.requests() if r["method"] == "POST" and r["path"] == "/v1/checkout/sessions"
    ]


class TestSuccess:
    def test_creates_session_and_returns_its_id_url_and_order(self, shopper, sim, db):
        res = checkout(shopper, userEmail="buyer@example.com")
        body = res.get_json()
        assert res.status_code == 200, body
        assert body["success"] is True
        assert body["message"] == OK_MESSAGE
        assert body["sessionId"].startswith("cs_test_")
        assert body["sessionUrl"].endswith(f"/c/pay/{body['sessionId']}")
        stored = db.execute(
            text("SELECT id FROM orders WHERE stripe_checkout_session_id = :s"),
            {"s": body["sessionId"]},
        ).scalar_one()
        assert str(stored) == body["orderId"]

    def test_order_row_holds_the_cart_totals(self, shopper, sim, db):
        body = checkout(shopper, userEmail="Buyer@Example.COM").get_json()
        order = db.execute(
            text("SELECT * FROM orders WHERE id = :id"), {"id": body["orderId"]}
        ).one()
        assert order.status == "pending"
        assert order.user_id is None
        assert order.customer_email == "Buyer@example.com"
        assert order.subtotal == Decimal("308.99")  # 49.00 + 19.99 + 2 x 120.00
        assert order.tax == Decimal("0.00")
        assert order.total_amount == Decimal("308.99")
        assert order.currency == "usd"
        assert order.stripe_checkout_session_id == body["sessionId"]
        assert order.stripe_payment_intent_id is None  # a new session has no payment intent
        assert order.cart_session_hash and len(order.cart_session_hash) == 64

    def test_one_order_item_per_cart_line(self, shopper, catalog, sim, db):
        order_id = checkout(shopper, userEmail="buyer@example.com").get_json()["orderId"]
        items = db.execute(
            text(
                "SELECT item_type, course_id, digital_product_id, event_id, title, price, quantity"
                " FROM order_items WHERE order_id = :id ORDER BY item_type"
            ),
            {"id": order_id},
        ).all()
        assert [tuple(i) for i in items] == [
            ("course", catalog.course, None, None, "Python Foundations", Decimal("49.00"), 1),
            ("digital_product", None, catalog.product, None, "Field Notes", Decimal("19.99"), 1),
            ("event", None, None, catalog.event, "Testing Workshop", Decimal("120.00"), 2),
        ]

    def test_event_lines_become_pending_bookings(self, shopper, catalog, sim, db):
        order_id = checkout(shopper, userEmail="buyer@example.com").get_json()["orderId"]
        booking = db.execute(
            text("SELECT * FROM bookings WHERE order_id = :id"), {"id": order_id}
        ).one()
        assert booking.status == "pending"
        assert booking.event_id == catalog.event
        assert booking.attendees == 2
        assert booking.total_price == Decimal("240.00")
        assert booking.user_id is None

    def test_known_user_is_linked_to_order_and_booking(self, shopper, catalog, sim, db):
        res = shopper.post(
            "/api/checkout/create-session",
            json={"userEmail": "known@example.com", "userId": str(catalog.user)},
            headers=bearer(identity_token(catalog.user, JWT_SECRET)),
        )
        order_id = res.get_json()["orderId"]
        assert res.status_code == 200
        users = db.execute(
            text(
                "SELECT o.user_id, b.user_id FROM orders o JOIN bookings b ON b.order_id = o.id"
                " WHERE o.id = :id"
            ),
            {"id": order_id},
        ).one()
        assert tuple(users) == (catalog.user, catalog.user)

    def test_cart_is_kept_until_payment(self, shopper, sim):
        before = cart_of(shopper)
        assert checkout(shopper, userEmail="buyer@example.com").status_code == 200
        assert cart_of(shopper) == before

    def test_stripe_receives_exact_parameters(self, shopper, catalog, sim):
        order_id = checkout(shopper, userEmail="buyer@example.com").get_json()["orderId"]
        (create,) = stripe_creates(sim)
        params = create["params"]
        assert create["idempotency_key"] == f"checkout-session-{order_id}"
        assert params["mode"] == "payment"
        assert params["customer_email"] == "buyer@example.com"
        assert params["client_reference_id"] == order_id
        assert params["metadata"] == {"orderId": order_id}
        assert (
            params["success_url"]
            == "http://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}"
        )
        assert params["cancel_url"] == "http://shop.test/checkout/cancel"
        lines = [
            (
                li["price_data"]["product_data"]["name"],
                int(li["price_data"]["unit_amount"]),
                int(li["quantity"]),
                li["price_data"]["currency"],
            )
            for li in params["line_items"]
        ]
        assert sorted(lines) == sorted(
            [
                ("Python Foundations", 4900, 1, "usd"),
                ("Field Notes", 1999, 1, "usd"),
                ("Testing Workshop", 12000, 2, "usd"),
            ]
        )
        minutes = (int(params["expires_at"]) - time.time()) / 60
        assert 30 <= minutes <= 32

    def test_tax_is_its_own_line_and_lines_sum_to_total(self, make_app, catalog, sim, db):
        client = make_app(TAX_RATE="0.0825").test_client()
        add_to_cart(client, "course", catalog.course_b)  # 79.99
        add_to_cart(client, "digital_product", catalog.product)  # 19.99
        body = checkout(client, userEmail="buyer@example.com").get_json()
        order = db.execute(
            text("SELECT subtotal, tax, total_amount FROM orders WHERE id = :id"),
            {"id": body["orderId"]},
        ).one()
        # 99.98 * 0.0825 = 8.248350 -> 8.25 (half-up)
        assert tuple(order) == (Decimal("99.98"), Decimal("8.25"), Decimal("108.23"))
        params = stripe_creates(sim)[0]["params"]
        tax_lines = [
            li for li in params["line_items"] if li["price_data"]["product_data"]["name"] == "Tax"
        ]
        assert [(int(t["price_data"]["unit_amount"]), int(t["quantity"])) for t in tax_lines] == [
            (825, 1)
        ]
        cents = sum(
            int(li["price_data"]["unit_amount"]) * int(li["quantity"])
            for li in params["line_items"]
        )
        assert cents == 10823
        session = next(s for s in sim.sessions() if s["id"] == body["sessionId"])
        assert session["amount_total"] == 10823

    def test_no_tax_line_when_tax_is_zero(self, shopper, sim):
        checkout(shopper, userEmail="buyer@example.com")
        names = [
            li["price_data"]["product_data"]["name"]
            for li in stripe_creates(sim)[0]["params"]["line_items"]
        ]
        assert "Tax" not in names

    def test_custom_urls_on_allowed_hosts_are_used(self, shopper, sim):
        res = checkout(
            shopper,
            userEmail="buyer@example.com",
            successUrl="https://www.shop.test/thanks?session_id={CHECKOUT_SESSION_ID}",
            cancelUrl="https://shop.test/basket",
        )
        assert res.status_code == 200
        params = stripe_creates(sim)[0]["params"]
        assert (
            params["success_url"] == "https://www.shop.test/thanks?session_id={CHECKOUT_SESSION_ID}"
        )
        assert params["cancel_url"] == "https://shop.test/basket"

    def test_default_urls_follow_base_url(self, make_app, catalog, sim):
        client = make_app(BASE_URL="https://checkout.example.org/").test_client()
        add_to_cart(client, "course", catalog.course)
        assert checkout(client, userEmail="buyer@example.com").status_code == 200
        params = stripe_creates(sim)[0]["params"]
        assert params["success_url"] == (
            "https://checkout.example.org/checkout/success?session_id={CHECKOUT_SESSION_ID}"
        )
        assert params["cancel_url"] == "https://checkout.example.org/checkout/cancel"

    def test_base_url_defaults_to_localhost(self, make_app, catalog, sim):
        client = make_app(BASE_URL="").test_client()
        add_to_cart(client, "course", catalog.course)
        assert checkout(client, userEmail="buyer@example.com").status_code == 200
        params = stripe_creates(sim)[0]["params"]
        assert params["cancel_url"] == "http://localhost:5000/checkout/cancel"

    def test_statements_do_not_grow_with_cart_lines(self, make_app, db, sim):
        courses = [add_course(db, f"Course {n}", "10.00") for n in range(50)]
        app = make_app()
        engine = app.extensions["checkout"].session_factory.kw["bind"]
        counts = []
        for size in (1, 50):
            client = app.test_client()
            for course_id in courses[:size]:
                add_to_cart(client, "course", course_id)
            with recorded_statements(engine) as statements:
                assert checkout(client, userEmail="buyer@example.com").status_code == 200
            counts.append(len(statements))
        assert counts[0] == counts[1]
        assert counts[1] <= 10
        assert count_rows(db)["order_items"] == 51
