"""The shop's pages: catalog, cart and its form posts, checkout, success and cancel."""

from __future__ import annotations

from sqlalchemy import text as sql

from tests.helpers import add_event

from .helpers import add_to_cart, place_order, post_form, text


def cart_json(client) -> dict:
    return client.get("/api/cart").get_json()["cart"]


class TestCatalog:
    def test_lists_what_is_for_sale_with_add_forms(self, client, catalog):
        page = text(client.get("/"))

        for title in ("Python Foundations", "Flask in Depth", "Field Notes", "Testing Workshop"):
            assert title in page
        assert "Retired Course" not in page and "Last Year" not in page
        assert "$49.00" in page and "5 seats left" in page
        assert page.count('action="/cart/items"') == 4
        assert f'name="item_id" value="{catalog.event}"' in page

    def test_seats_held_by_pending_orders_are_not_offered(self, client, catalog, sim):
        add_to_cart(client, "event", catalog.event, 2)
        place_order(client, "ann@example.com")

        assert "3 seats left" in text(client.get("/"))

    def test_a_sold_out_event_has_no_add_form(self, client, db, catalog):
        add_event(db, "Full House", "10.00", capacity=0)

        page = text(client.get("/"))

        assert "Sold out" in page
        assert page.count('action="/cart/items"') == 4


class TestCartForms:
    def test_add_sets_the_session_cookie_like_the_api(self, client, catalog):
        res = add_to_cart(client, "course", catalog.course)

        assert res.status_code == 303
        assert res.headers["Location"] == f"/?added=course:{catalog.course}#added"
        cookie = next(h for h in res.headers.getlist("Set-Cookie") if h.startswith("session_id="))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert [i["title"] for i in cart_json(client)["items"]] == ["Python Foundations"]

    def test_adding_an_event_again_adds_tickets(self, client, catalog):
        add_to_cart(client, "event", catalog.event, 2)
        add_to_cart(client, "event", catalog.event, 1)

        assert cart_json(client)["items"][0]["quantity"] == 3

    def test_cart_page_shows_lines_and_totals(self, make_app, catalog):
        client = make_app(TAX_RATE="0.1").test_client()
        add_to_cart(client, "course", catalog.course)
        add_to_cart(client, "event", catalog.event, 2)

        page = text(client.get("/cart"))

        assert "Python Foundations" in page and "Testing Workshop" in page
        assert 'name="quantity" value="2"' in page
        assert "$289.00" in page  # subtotal 49 + 2 x 120
        assert "$28.90" in page and "$317.90" in page  # tax 10 %, total

    def test_change_quantity_and_remove(self, client, catalog):
        add_to_cart(client, "course", catalog.course)
        add_to_cart(client, "event", catalog.event, 1)

        res = post_form(client, f"/cart/items/event/{catalog.event}", {"quantity": "4"})
        assert res.status_code == 303
        assert {i["itemType"]: i["quantity"] for i in cart_json(client)["items"]}["event"] == 4

        res = post_form(client, f"/cart/items/course/{catalog.course}/remove")
        assert res.status_code == 303
        assert [i["itemType"] for i in cart_json(client)["items"]] == ["event"]

    def test_empty_cart_page(self, client):
        assert "Your cart is empty." in text(client.get("/cart"))

    def test_unknown_item_is_a_404_page(self, client, catalog):
        res = add_to_cart(client, "course", catalog.inactive_course)

        assert res.status_code == 404
        assert res.mimetype == "text/html" and "Item not found" in text(res)
        assert "<h1>Catalog</h1>" in text(res)  # shown on the page the form was on
        assert client.get_cookie("session_id") is None

    def test_bad_form_fields_are_400_pages_naming_the_field(self, client, catalog):
        for data, message in (
            ({"item_type": "course", "item_id": str(catalog.course), "quantity": "x"}, "whole"),
            ({"item_type": "event", "item_id": str(catalog.event), "quantity": "100"}, "99"),
            ({"item_type": "hat", "item_id": str(catalog.course)}, "itemType must be one of"),
            ({"item_type": "course", "item_id": "nope"}, "itemId must be a UUID"),
        ):
            res = post_form(client, "/cart/items", data)
            assert (res.status_code, res.mimetype) == (400, "text/html")
            assert message in text(res)
        assert cart_json(client)["items"] == []

    def test_changing_a_line_not_in_the_cart_is_404(self, client, catalog):
        add_to_cart(client, "course", catalog.course)

        for path in (f"/cart/items/event/{catalog.event}", "/cart/items/hat/1/remove"):
            assert post_form(client, path, {"quantity": "2"}).status_code == 404


class TestCheckout:
    def test_form_shows_the_summary_and_an_email_field(self, client, catalog):
        add_to_cart(client, "event", catalog.event, 2)

        page = text(client.get("/checkout"))

        assert "Testing Workshop" in page and "$240.00" in page
        assert '<input id="email" type="email" name="email" value=""' in page

    def test_post_answers_303_to_the_stripe_session(self, client, catalog, sim, db):
        add_to_cart(client, "course", catalog.course)
        add_to_cart(client, "event", catalog.event, 2)

        res = place_order(client, "Ann@Example.com")

        assert res.status_code == 303
        (session,) = sim.sessions()
        assert res.headers["Location"] == session["url"]
        assert session["success_url"] == (
            "http://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}"
        )
        assert session["cancel_url"] == "http://shop.test/checkout/cancel"
        order = db.execute(sql("SELECT status, customer_email, total_amount FROM orders")).one()
        assert (order.status, order.customer_email, str(order.total_amount)) == (
            "pending",
            "Ann@example.com",
            "289.00",
        )

    def test_the_form_cannot_choose_where_stripe_sends_the_shopper(self, client, catalog, sim):
        add_to_cart(client, "course", catalog.course)
        data = {"email": "a@example.com", "successUrl": "https://evil.example/", "userId": "x"}

        assert post_form(client, "/checkout", data, "/checkout").status_code == 303
        assert sim.sessions()[0]["success_url"].startswith("http://shop.test/")


class TestAfterStripe:
    def test_success_page_shows_the_order_and_its_status(self, client, catalog, sim, db):
        add_to_cart(client, "course", catalog.course)
        add_to_cart(client, "event", catalog.event, 2)
        session_id = place_order(client, "ann@example.com").headers["Location"].rsplit("/")[-1]

        page = text(client.get(f"/checkout/success?session_id={session_id}"))

        assert 'data-order-status="pending">Payment being confirmed<' in page
        assert "Python Foundations" in page and "2 &times; $120.00" in page
        assert "$289.00" in page and "ann@example.com" in page
        db.execute(sql("UPDATE orders SET status = 'completed'"))
        page = text(client.get(f"/checkout/success?session_id={session_id}"))
        assert 'data-order-status="paid">Payment received<' in page

    def test_unknown_or_missing_session_id_is_a_friendly_404(self, client):
        for path in ("/checkout/success?session_id=cs_test_unknown", "/checkout/success"):
            res = client.get(path)
            assert (res.status_code, res.mimetype) == (404, "text/html")
            assert "Order not found" in text(res) and "Back to the shop" in text(res)

    def test_cancel_page_keeps_the_cart(self, client, catalog, sim):
        add_to_cart(client, "course", catalog.course)
        place_order(client, "ann@example.com")

        page = text(client.get("/checkout/cancel"))

        assert "Checkout cancelled" in page and "Python Foundations" in page
        assert 'href="/cart"' in page
        assert len(cart_json(client)["items"]) == 1
