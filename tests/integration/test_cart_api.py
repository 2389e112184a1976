"""The five cart endpoints: cookie, TTL, quantity rules, totals, prices from the database."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from checkout_app.domain.cart import session_hash

from ..helpers import add_to_cart, issued_session_id


def cart_of(res) -> dict:
    body = res.get_json()
    assert body["success"] is True
    return body["cart"]


def lines(cart: dict) -> list[tuple[str, int]]:
    return [(item["title"], item["quantity"]) for item in cart["items"]]


class TestReading:
    def test_no_cookie_reads_as_empty_cart(self, client):
        res = client.get("/api/cart")
        assert res.status_code == 200
        assert cart_of(res) == {
            "items": [],
            "subtotal": "0.00",
            "tax": "0.00",
            "total": "0.00",
            "currency": "usd",
        }
        assert "Set-Cookie" not in res.headers

    def test_unknown_session_reads_as_empty_cart(self, client):
        client.set_cookie("session_id", issued_session_id())
        assert cart_of(client.get("/api/cart"))["items"] == []


class TestAdding:
    def test_first_write_sets_a_secure_enough_cookie(self, client, catalog):
        res = add_to_cart(client, "course", catalog.course)
        assert res.status_code == 201
        cookie = res.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # BASE_URL is http in tests
        session_id = client.get_cookie("session_id").value
        assert len(session_id) >= 22  # >= 128 bits, URL-safe
        assert cart_of(res)["items"][0] == {
            "itemType": "course",
            "itemId": str(catalog.course),
            "title": "Python Foundations",
            "unitPrice": "49.00",
            "quantity": 1,
            "lineTotal": "49.00",
            "available": True,
            "availability": "available",
            "seatsLeft": None,
        }

    def test_cookie_is_secure_when_base_url_is_https(self, make_app, catalog):
        client = make_app(BASE_URL="https://shop.test").test_client()
        assert "Secure" in add_to_cart(client, "course", catalog.course).headers["Set-Cookie"]

    def test_adding_again_adds_to_the_line(self, client, catalog):
        add_to_cart(client, "event", catalog.event, 2)
        cart = cart_of(add_to_cart(client, "event", catalog.event, 3))
        assert lines(cart) == [("Testing Workshop", 5)]
        assert cart["total"] == "600.00"

    def test_a_course_stays_at_one(self, client, catalog):
        add_to_cart(client, "course", catalog.course)
        assert lines(cart_of(add_to_cart(client, "course", catalog.course))) == [
            ("Python Foundations", 1)
        ]

    @pytest.mark.parametrize("item_type", ["course", "digital_product"])
    def test_single_items_refuse_quantity_above_one(self, client, catalog, item_type):
        item_id = catalog.course if item_type == "course" else catalog.product
        res = add_to_cart(client, item_type, item_id, 2)
        assert res.status_code == 400
        assert "quantity" in res.get_json()["error"]

    def test_event_line_caps_at_99(self, client, catalog):
        add_to_cart(client, "event", catalog.event, 60)
        res = add_to_cart(client, "event", catalog.event, 40)
        assert res.status_code == 400
        assert res.get_json()["error"] == "quantity must be between 1 and 99"
        assert lines(cart_of(client.get("/api/cart"))) == [("Testing Workshop", 60)]

    @pytest.mark.parametrize(
        "body,message",
        [
            ({}, "itemType is required"),
            ({"itemType": "car", "itemId": str(uuid.uuid4())}, "itemType must be one of"),
            ({"itemType": "course"}, "itemId is required"),
            ({"itemType": "course", "itemId": "42"}, "itemId must be a UUID"),
            ({"itemType": "event", "itemId": str(uuid.uuid4()), "quantity": 0}, "quantity must be"),
            (
                {"itemType": "event", "itemId": str(uuid.uuid4()), "quantity": "2"},
                "quantity must be",
            ),
            (
                {"itemType": "event", "itemId": str(uuid.uuid4()), "quantity": 1.5},
                "quantity must be",
            ),
            (
                {"itemType": "event", "itemId": str(uuid.uuid4()), "quantity": True},
                "quantity must be",
            ),
        ],
    )
    def test_bad_body_names_the_field(self, client, body, message):
        res = client.post("/api/cart/items", json=body)
        assert res.status_code == 400
        assert res.get_json()["error"].startswith(message)

    @pytest.mark.parametrize("which", ["unknown", "inactive", "past_event"])
    def test_unknown_or_not_for_sale_item_is_404(self, client, catalog, which):
        item_type, item_id = {
            "unknown": ("course", uuid.uuid4()),
            "inactive": ("course", catalog.inactive_course),
            "past_event": ("event", catalog.past_event),
        }[which]
        res = add_to_cart(client, item_type, item_id)
        assert (res.status_code, res.get_json()["error"]) == (404, "Item not found")
        assert client.get_cookie("session_id") is None


class TestChanging:
    def test_patch_sets_quantity(self, client, catalog):
        add_to_cart(client, "event", catalog.event, 1)
        res = client.patch(f"/api/cart/items/event/{catalog.event}", json={"quantity": 4})
        assert res.status_code == 200
        assert lines(cart_of(res)) == [("Testing Workshop", 4)]

    def test_patch_rules(self, client, catalog):
        add_to_cart(client, "course", catalog.course)
        url = f"/api/cart/items/course/{catalog.course}"
        assert client.patch(url, json={"quantity": 2}).status_code == 400
        assert client.patch(url, json={}).get_json()["error"] == "quantity is required"
        missing = client.patch(f"/api/cart/items/course/{catalog.course_b}", json={"quantity": 1})
        assert (missing.status_code, missing.get_json()["error"]) == (404, "Item not found")
        assert client.patch("/api/cart/items/boat/1", json={"quantity": 1}).status_code == 404

    def test_delete_line(self, client, catalog):
        add_to_cart(client, "course", catalog.course)
        add_to_cart(client, "digital_product", catalog.product)
        res = client.delete(f"/api/cart/items/course/{catalog.course}")
        assert lines(cart_of(res)) == [("Field Notes", 1)]
        assert client.delete(f"/api/cart/items/course/{catalog.course}").status_code == 404

    def test_emptied_cart_stays_stored(self, client, catalog):
        add_to_cart(client, "course", catalog.course)
        client.delete(f"/api/cart/items/course/{catalog.course}")
        res = client.post("/api/checkout/create-session", json={"userEmail": "a@example.com"})
        assert res.status_code == 400
        assert res.get_json()["error"] == "Cart is empty. Please add items before checkout."

    def test_clear_cart(self, client, catalog):
        add_to_cart(client, "course", catalog.course)
        res = client.delete("/api/cart")
        assert res.status_code == 200
        assert cart_of(res)["items"] == []
        res = client.post("/api/checkout/create-session", json={"userEmail": "a@example.com"})
        assert res.status_code == 400


class TestPricesAndStorage:
    def test_prices_come_from_the_database(self, client, catalog, db):
        add_to_cart(client, "course", catalog.course)
        db.execute(text("UPDATE courses SET price = 55.50 WHERE id = :id"), {"id": catalog.course})
        cart = cart_of(client.get("/api/cart"))
        assert (cart["items"][0]["unitPrice"], cart["total"]) == ("55.50", "55.50")

    def test_client_sent_prices_are_ignored(self, client, catalog):
        res = client.post(
            "/api/cart/items",
            json={"itemType": "course", "itemId": str(catalog.course), "price": "0.01"},
        )
        assert cart_of(res)["total"] == "49.00"

    def test_tax_rounds_half_up_to_cents(self, make_app, catalog):
        client = make_app(TAX_RATE="0.075").test_client()
        add_to_cart(client, "course", catalog.course)  # 49.00 * 0.075 = 3.675 -> 3.68
        cart = cart_of(client.get("/api/cart"))
        assert (cart["subtotal"], cart["tax"], cart["total"]) == ("49.00", "3.68", "52.68")

    def test_redis_holds_only_type_id_and_quantity_with_ttl(self, make_app, catalog, redis_url):
        import redis

        app = make_app(CART_TTL_SECONDS="600")
        client = app.test_client()
        add_to_cart(client, "event", catalog.event, 2)
        key = app.extensions["checkout"].carts.key_for(client.get_cookie("session_id").value)
        raw = redis.Redis.from_url(redis_url)
        assert raw.hgetall(key) == {b"_": b"1", f"event:{catalog.event}".encode(): b"2"}
        assert 590 < raw.ttl(key) <= 600
        raw.expire(key, 100)
        add_to_cart(client, "event", catalog.event, 1)
        assert raw.ttl(key) > 590  # refreshed by the write
        assert session_hash(client.get_cookie("session_id").value) in key
