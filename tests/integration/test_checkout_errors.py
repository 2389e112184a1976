"""Every error row of the contract's checkout table, in order, with nothing half-written."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import text

from ..helpers import add_event, add_to_cart, count_rows, issued_session_id

NO_ROWS = {"orders": 0, "order_items": 0, "bookings": 0}


def checkout(client, **body):
    return client.post("/api/checkout/create-session", json=body)


def error_of(res) -> tuple[int, str]:
    body = res.get_json()
    assert body["success"] is False
    return res.status_code, body["error"]


@pytest.fixture
def shopper(client, catalog):
    add_to_cart(client, "course", catalog.course)
    add_to_cart(client, "event", catalog.event, 2)
    return client


class TestContractTable:
    def test_1_no_session_cookie(self, client, catalog):
        assert error_of(checkout(client, userEmail="a@example.com")) == (
            401,
            "No active session. Please add items to cart first.",
        )

    def test_1_malformed_cookie_counts_as_none(self, client, catalog):
        client.set_cookie("session_id", "not a real session")
        assert error_of(checkout(client, userEmail="a@example.com"))[0] == 401

    def test_1_a_session_id_this_app_did_not_issue_counts_as_none(self, client, catalog):
        client.set_cookie("session_id", "x" * 86)
        assert error_of(checkout(client, userEmail="a@example.com"))[0] == 401

    def test_2_no_cart_stored_for_session(self, client, catalog):
        client.set_cookie("session_id", issued_session_id())
        assert error_of(checkout(client, userEmail="a@example.com")) == (
            404,
            "Cart not found or expired. Please add items again.",
        )

    def test_3_empty_cart_before_email_checks(self, client, catalog):
        add_to_cart(client, "course", catalog.course)
        client.delete(f"/api/cart/items/course/{catalog.course}")
        assert error_of(checkout(client)) == (
            400,
            "Cart is empty. Please add items before checkout.",
        )

    @pytest.mark.parametrize(
        "body", [{}, {"userEmail": ""}, {"userEmail": "   "}, {"userEmail": None}]
    )
    def test_4_email_missing_or_blank(self, shopper, body):
        assert error_of(shopper.post("/api/checkout/create-session", json=body)) == (
            400,
            "Email is required for checkout",
        )

    @pytest.mark.parametrize(
        "data,content_type",
        [("{not json", "application/json"), ("[1, 2]", "application/json"), ("x=1", "text/plain")],
    )
    def test_4_body_that_is_not_a_json_object_counts_as_empty(self, shopper, data, content_type):
        res = shopper.post("/api/checkout/create-session", data=data, content_type=content_type)
        assert error_of(res) == (400, "Email is required for checkout")

    @pytest.mark.parametrize("email", ["buyer", "buyer@", "@example.com", "a b@example.com", 42])
    def test_5_invalid_email(self, shopper, email):
        assert error_of(checkout(shopper, userEmail=email)) == (400, "Invalid email format")

    def test_5_email_before_user_id(self, shopper):
        assert error_of(checkout(shopper, userEmail="nope", userId="nope")) == (
            400,
            "Invalid email format",
        )

    @pytest.mark.parametrize("user_id", ["not-a-uuid", str(uuid.uuid4()), 17])
    def test_6_user_id_malformed_or_unknown(self, shopper, user_id):
        assert error_of(checkout(shopper, userEmail="a@example.com", userId=user_id)) == (
            400,
            "Invalid userId",
        )

    def test_6_user_id_before_urls(self, shopper):
        res = checkout(
            shopper, userEmail="a@example.com", userId=str(uuid.uuid4()), successUrl="ftp://x"
        )
        assert error_of(res) == (400, "Invalid userId")

    @pytest.mark.parametrize(
        "url",
        [
            "https://evil.example/steal",
            "/checkout/success",
            "javascript:alert(1)",
            "ftp://shop.test/x",
            "https://shop.test@evil.example/",
            "http://[::1",
            "https://shop.test/a b",
            "http://evil.example\\@shop.test/",
            "http://shop.test\\@evil.example/",
            "http://user:pw@shop.test/",
            "http://shop.test:8080/",
            "http://shop.test/\tx",
            "http://shop.test/\x7f",
            "http://www.shop.test:5000/",
            12,
        ],
    )
    def test_7_redirect_urls_must_be_absolute_on_allowed_hosts(self, shopper, url, sim):
        assert error_of(checkout(shopper, userEmail="a@example.com", successUrl=url)) == (
            400,
            "Invalid successUrl",
        )
        assert error_of(checkout(shopper, userEmail="a@example.com", cancelUrl=url)) == (
            400,
            "Invalid cancelUrl",
        )
        assert sim.requests() == []

    def test_8_inactive_item(self, client, catalog, db, sim):
        add_to_cart(client, "course", catalog.course)
        db.execute(
            text("UPDATE courses SET is_active = false WHERE id = :id"), {"id": catalog.course}
        )
        assert error_of(checkout(client, userEmail="a@example.com")) == (
            409,
            "Some items in your cart are no longer available",
        )
        assert sim.requests() == []
        assert count_rows(db) == NO_ROWS

    def test_8_deleted_item(self, client, catalog, db, sim):
        add_to_cart(client, "digital_product", catalog.product)
        db.execute(text("DELETE FROM digital_products WHERE id = :id"), {"id": catalog.product})
        assert error_of(checkout(client, userEmail="a@example.com"))[0] == 409

    def test_8_event_without_enough_seats(self, client, catalog, db, sim):
        add_to_cart(client, "event", catalog.event, 6)  # capacity 5
        assert error_of(checkout(client, userEmail="a@example.com"))[0] == 409
        assert sim.requests() == []
        assert count_rows(db) == NO_ROWS

    def test_8_seats_held_by_earlier_pending_orders_count(self, make_app, db, sim):
        event_id = add_event(db, "Small Talk", "30.00", capacity=3)
        first, second = make_app().test_client(), make_app().test_client()
        add_to_cart(first, "event", event_id, 2)
        add_to_cart(second, "event", event_id, 2)
        assert checkout(first, userEmail="a@example.com").status_code == 200
        assert error_of(checkout(second, userEmail="b@example.com"))[0] == 409
        assert count_rows(db) == {"orders": 1, "order_items": 1, "bookings": 1}


class TestStripeFailures:
    @pytest.mark.parametrize("mode", ["500", "429", "slow", "drop"])
    def test_stripe_failure_answers_503_and_writes_nothing(self, shopper, sim, db, mode):
        cart_before = shopper.get("/api/cart").get_json()
        sim.fail(mode, delay_ms=4000)
        res = checkout(shopper, userEmail="a@example.com")
        assert error_of(res) == (503, "Payment system error. Please try again later.")
        assert res.headers["Retry-After"].isdigit()
        assert count_rows(db) == NO_ROWS
        assert shopper.get("/api/cart").get_json() == cart_before
        if mode == "slow":
            # The simulator still answers after our timeout (as Stripe may): wait for it so
            # the late session does not land in the next test's log.
            deadline = time.monotonic() + 10
            while not sim.sessions() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert count_rows(db) == NO_ROWS

    def test_sdk_retries_a_failed_create_with_the_same_idempotency_key(
        self, make_app, catalog, sim, db
    ):
        client = make_app(STRIPE_MAX_RETRIES="2").test_client()
        add_to_cart(client, "course", catalog.course)
        sim.fail("500", count=1)
        res = checkout(client, userEmail="a@example.com")
        assert res.status_code == 200
        creates = [r for r in sim.requests() if r["path"] == "/v1/checkout/sessions"]
        assert [r["status"] for r in creates] == [500, 200]
        assert len({r["idempotency_key"] for r in creates}) == 1
        assert count_rows(db)["orders"] == 1

    def test_database_failure_after_stripe_answers_500_and_expires_the_session(
        self, shopper, sim, db
    ):
        db.execute(
            text(
                "CREATE FUNCTION refuse_orders() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'orders are closed'; END $$"
            )
        )
        db.execute(
            text(
                "CREATE TRIGGER refuse_orders BEFORE INSERT ON orders"
                " FOR EACH ROW EXECUTE FUNCTION refuse_orders()"
            )
        )
        try:
            res = checkout(shopper, userEmail="a@example.com")
        finally:
            db.execute(text("DROP TRIGGER refuse_orders ON orders"))
            db.execute(text("DROP FUNCTION refuse_orders()"))
        assert error_of(res) == (500, "Failed to create checkout session")
        assert count_rows(db) == NO_ROWS
        (session,) = sim.sessions()
        assert session["status"] == "expired"


class TestDetails:
    def test_details_only_in_development(self, make_app, catalog, sim):
        for app_env, has_details in (("development", True), ("production", False)):
            client = make_app(APP_ENV=app_env).test_client()
            add_to_cart(client, "course", catalog.course)
            sim.fail("500")
            body = checkout(client, userEmail="a@example.com").get_json()
            assert body["error"] == "Payment system error. Please try again later."
            assert ("details" in body) is has_details
            if has_details:
                assert "APIError" in body["details"]


class TestOutages:
    def test_redis_unreachable_answers_503(self, make_app):
        client = make_app(REDIS_URL="redis://127.0.0.1:1/0").test_client()
        client.set_cookie("session_id", issued_session_id())
        for res in (checkout(client, userEmail="a@example.com"), client.get("/api/cart")):
            assert error_of(res) == (503, "Cart service unavailable")
            assert res.headers["Retry-After"].isdigit()

    def test_postgres_unreachable_answers_503(self, make_app, catalog, client):
        add_to_cart(client, "course", catalog.course)
        down = make_app(
            DATABASE_URL="postgresql+psycopg2://postgres@127.0.0.1:1/none"
        ).test_client()
        down.set_cookie("session_id", client.get_cookie("session_id").value)
        res = checkout(down, userEmail="a@example.com")
        assert error_of(res) == (503, "Service temporarily unavailable")
        assert res.headers["Retry-After"].isdigit()
