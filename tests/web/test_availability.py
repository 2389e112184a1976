"""Cart lines say in words and numbers whether they can be bought; Checkout waits until they can."""

from __future__ import annotations

import re

from sqlalchemy import text as sql

from .helpers import add_to_cart, place_order, text


def take_seats(db, event_id, seats: int) -> None:
    """Another shopper's confirmed booking of `seats` seats."""
    db.execute(
        sql(
            "INSERT INTO bookings (id, event_id, attendees, total_price, status)"
            " VALUES (gen_random_uuid(), :event, :seats, 0, 'confirmed')"
        ),
        {"event": event_id, "seats": seats},
    )


def api_line(client) -> dict:
    (line,) = client.get("/api/cart").get_json()["cart"]["items"]
    return line


def test_too_many_tickets_says_how_many_are_left(client, catalog, db):
    add_to_cart(client, "event", catalog.event, 4)
    take_seats(db, catalog.event, 3)  # 5 seats, 3 taken: 2 left

    page = text(client.get("/cart"))

    assert "Only 2 seats left: lower to 2 tickets." in page
    assert (
        '<button type="button" disabled aria-describedby="checkout-blocked">Checkout</button>'
        in page
    )
    assert 'href="/checkout"' not in page
    line = api_line(client)
    assert (line["available"], line["availability"], line["seatsLeft"]) == (
        False,
        "too_few_seats",
        2,
    )


def test_lowering_the_quantity_makes_it_available(client, catalog, db):
    add_to_cart(client, "event", catalog.event, 4)
    take_seats(db, catalog.event, 3)
    client.patch(f"/api/cart/items/event/{catalog.event}", json={"quantity": 2})

    page = text(client.get("/cart"))

    assert "seats left" not in page and 'class="button" href="/checkout"' in page
    assert api_line(client)["availability"] == "available"


def test_a_sold_out_event(client, catalog, db):
    add_to_cart(client, "event", catalog.event, 1)
    take_seats(db, catalog.event, 5)

    assert "Sold out: remove it to check out." in text(client.get("/cart"))
    assert (api_line(client)["availability"], api_line(client)["seatsLeft"]) == ("sold_out", 0)


def test_an_item_taken_off_sale(client, catalog, db):
    add_to_cart(client, "course", catalog.course)
    db.execute(sql("UPDATE courses SET is_active = false WHERE id = :id"), {"id": catalog.course})

    assert "Off sale: no longer sold; remove it to check out." in text(client.get("/cart"))
    assert (api_line(client)["availability"], api_line(client)["seatsLeft"]) == ("off_sale", None)


def test_the_shoppers_own_open_checkout_does_not_count_against_their_cart(client, catalog, sim):
    add_to_cart(client, "event", catalog.event, 5)  # every seat
    assert place_order(client, "ann@example.com").status_code == 303  # holds all 5, pending

    line = api_line(client)
    assert (line["availability"], line["seatsLeft"]) == ("available", 5)
    assert "Sold out" not in text(client.get("/cart"))


def test_checkout_page_offers_no_pay_while_a_line_cannot_be_bought(client, catalog, db, sim):
    add_to_cart(client, "event", catalog.event, 4)
    take_seats(db, catalog.event, 3)

    page = text(client.get("/checkout"))

    assert "Only 2 seats left: lower to 2 tickets." in page
    assert "Pay with Stripe" not in page and "You can pay once every line can be bought" in page
    assert place_order(client, "ann@example.com").status_code == 409


def test_the_openapi_document_describes_availability_and_seats_left(client):
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    item = next(s for name, s in schemas.items() if re.fullmatch(r"CartItem\w*", name))

    assert item["properties"]["availability"]["enum"] == [
        "available",
        "too_few_seats",
        "sold_out",
        "off_sale",
    ]
    assert "null" in str(item["properties"]["seatsLeft"]["type"])
    assert {"availability", "seatsLeft"} <= set(item["required"])
