"""Server-owned sessions: only issued ids count, the id rotates when an order is placed."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from checkout_app.domain.cart import new_session_id

from ..helpers import add_to_cart, issued_session_id
from ..web.helpers import place_order

CREATE = "/api/checkout/create-session"


def cookie(client) -> str | None:
    found = client.get_cookie("session_id")
    return found.value if found else None


def cart_lines(client) -> list[str]:
    return [i["itemType"] for i in client.get("/api/cart").get_json()["cart"]["items"]]


class TestOnlyIssuedIds:
    @pytest.mark.parametrize(
        "planted", ["x" * 86, new_session_id("another app's secret"), "a" * 43]
    )
    def test_a_planted_id_is_ignored_and_a_fresh_one_issued(self, client, catalog, planted):
        client.set_cookie("session_id", planted)
        res = add_to_cart(client, "course", catalog.course)
        assert res.status_code == 201
        assert cookie(client) not in (None, planted)
        planted_client = client.application.test_client()
        planted_client.set_cookie("session_id", planted)
        assert cart_lines(planted_client) == []

    def test_an_issued_id_keeps_its_cart(self, client, catalog):
        add_to_cart(client, "course", catalog.course)
        first = cookie(client)
        add_to_cart(client, "event", catalog.event, 1)
        assert cookie(client) == first
        assert sorted(cart_lines(client)) == ["course", "event"]


class TestRotation:
    def test_a_planted_cookie_loses_the_victims_cart_and_order(self, app, catalog, sim, db):
        attacker = app.test_client()
        add_to_cart(attacker, "course", catalog.course_b)
        planted = cookie(attacker)
        victim = app.test_client()
        victim.set_cookie("session_id", planted)  # fixation: the victim's browser got it
        add_to_cart(victim, "event", catalog.event, 2)
        res = victim.post(CREATE, json={"userEmail": "victim@example.com"})
        assert res.status_code == 200
        rotated = cookie(victim)
        assert rotated not in (None, planted)
        order_id = res.get_json()["orderId"]
        assert attacker.get("/api/cart").get_json()["cart"]["items"] == []
        assert attacker.get(f"/api/orders/{order_id}").status_code == 404
        assert attacker.post(CREATE, json={"userEmail": "x@example.com"}).status_code == 404
        assert victim.get(f"/api/orders/{order_id}").status_code == 200
        assert sorted(cart_lines(victim)) == ["course", "event"]  # the cart moved with it
        assert db.execute(text("SELECT count(*) FROM orders")).scalar_one() == 1

    def test_a_double_submit_from_the_old_id_gets_the_same_order_and_no_cookie(
        self, app, catalog, sim, db
    ):
        client = app.test_client()
        add_to_cart(client, "event", catalog.event, 2)
        old = cookie(client)
        first = client.post(CREATE, json={"userEmail": "ann@example.com"})
        second_tab = app.test_client()
        second_tab.set_cookie("session_id", old)
        again = second_tab.post(CREATE, json={"userEmail": "ann@example.com"})
        assert again.status_code == 200
        assert again.get_json()["orderId"] == first.get_json()["orderId"]
        assert "Set-Cookie" not in again.headers
        other = second_tab.post(CREATE, json={"userEmail": "someone@example.com"})
        assert other.status_code == 404
        assert db.execute(text("SELECT count(*) FROM orders")).scalar_one() == 1

    def test_a_later_checkout_supersedes_from_the_rotated_id(self, client, catalog, sim, db):
        add_to_cart(client, "event", catalog.event, 2)
        first = client.post(CREATE, json={"userEmail": "ann@example.com"}).get_json()
        client.patch(f"/api/cart/items/event/{catalog.event}", json={"quantity": 3})
        second = client.post(CREATE, json={"userEmail": "ann@example.com"}).get_json()
        statuses = dict(db.execute(text("SELECT id::text, status FROM orders")).all())
        assert statuses == {first["orderId"]: "cancelled", second["orderId"]: "pending"}

    def test_the_checkout_form_rotates_the_cookie_too(self, client, catalog, sim):
        add_to_cart(client, "course", catalog.course)
        before = cookie(client)
        res = place_order(client, "ann@example.com")
        assert res.status_code == 303
        assert cookie(client) not in (None, before)
        assert cart_lines(client) == ["course"]

    def test_a_failed_checkout_keeps_the_session_and_cart(self, client, catalog, sim, db):
        add_to_cart(client, "course", catalog.course)
        before = cookie(client)
        sim.fail("500")
        res = client.post(CREATE, json={"userEmail": "ann@example.com"})
        assert res.status_code == 503
        assert cookie(client) == before
        assert cart_lines(client) == ["course"]
        assert db.execute(text("SELECT count(*) FROM orders")).scalar_one() == 0


class TestSecureCookie:
    def test_https_base_url_uses_a_host_prefixed_secure_cookie(self, make_app, catalog):
        client = make_app(BASE_URL="https://shop.test").test_client()
        res = client.post(
            "/api/cart/items",
            json={"itemType": "course", "itemId": str(catalog.course)},
            base_url="https://localhost",
        )
        header = res.headers["Set-Cookie"]
        assert header.startswith("__Host-session_id=")
        assert "Secure" in header and "Path=/" in header and "Domain" not in header
        issued = header.split(";")[0].split("=", 1)[1]
        plain = make_app(BASE_URL="https://shop.test").test_client()
        plain.set_cookie("session_id", issued)  # without the prefix it is not ours
        assert (
            plain.get("/api/cart", base_url="https://localhost").get_json()["cart"]["items"] == []
        )

    def test_http_base_url_keeps_the_contract_cookie_name(self, client, catalog):
        res = add_to_cart(client, "course", catalog.course)
        assert res.headers["Set-Cookie"].startswith("session_id=")
        assert "Secure" not in res.headers["Set-Cookie"]


def test_an_issued_id_without_a_cart_still_gets_the_contract_404(client, catalog):
    client.set_cookie("session_id", issued_session_id())
    res = client.post(CREATE, json={"userEmail": "ann@example.com"})
    assert (res.status_code, res.get_json()["error"]) == (
        404,
        "Cart not found or expired. Please add items again.",
    )
