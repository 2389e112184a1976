"""A 5xx on a cart write changes nothing, so a retry ends where one success would.

PostgreSQL is made to fail at each of the write's statements in turn (the first, the second...).
Before the fix a cart write stored the line in Redis and then re-read PostgreSQL to price its
answer: when that read failed the shopper got 503 with the line already in the cart, and the
retry the README recommends added the tickets again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import pytest
from sqlalchemy import event

from ..helpers import add_to_cart

STATEMENTS = (1, 2, 3)


@contextmanager
def postgres_fails_at(app, nth: int) -> Iterator[list[int]]:
    """The app's `nth` SQL statement from now on fails as an unreachable server's would."""
    engine = app.extensions["checkout"].session_factory.kw["bind"]
    seen = [0]

    def fail(conn, cursor, statement, *args) -> None:
        seen[0] += 1
        if seen[0] == nth:
            raise psycopg2.OperationalError("server closed the connection unexpectedly")

    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", fail)


def quantities(client) -> dict[str, int]:
    return {i["itemId"]: i["quantity"] for i in client.get("/api/cart").get_json()["cart"]["items"]}


@pytest.mark.parametrize("nth", STATEMENTS)
class TestRetryAfter5xx:
    @pytest.mark.parametrize("keyed", [False, True], ids=["plain", "idempotency-key"])
    def test_add(self, app, catalog, nth, keyed):
        client = app.test_client()
        assert add_to_cart(client, "event", catalog.event, 1).status_code == 201
        headers = {"Idempotency-Key": f"add-{nth}"} if keyed else {}
        body = {"itemType": "event", "itemId": str(catalog.event), "quantity": 2}
        with postgres_fails_at(app, nth):
            res = client.post("/api/cart/items", json=body, headers=headers)
        if res.status_code == 503:
            assert res.get_json()["error"] == "Service temporarily unavailable"
            assert quantities(client) == {str(catalog.event): 1}
            res = client.post("/api/cart/items", json=body, headers=headers)
        assert res.status_code == 201
        assert res.get_json()["cart"]["total"] == "360.00"
        assert quantities(client) == {str(catalog.event): 3}

    def test_add_leaves_the_cart_as_it_was_on_503(self, app, catalog, nth):
        client = app.test_client()
        assert add_to_cart(client, "course", catalog.course).status_code == 201
        with postgres_fails_at(app, nth):
            res = add_to_cart(client, "event", catalog.event, 2)
        if res.status_code == 503:
            assert quantities(client) == {str(catalog.course): 1}
        else:
            assert quantities(client) == {str(catalog.course): 1, str(catalog.event): 2}

    def test_set_quantity(self, app, catalog, nth):
        client = app.test_client()
        add_to_cart(client, "event", catalog.event, 1)
        add_to_cart(client, "course", catalog.course)
        path = f"/api/cart/items/event/{catalog.event}"
        with postgres_fails_at(app, nth):
            res = client.patch(path, json={"quantity": 4})
        if res.status_code == 503:
            assert quantities(client) == {str(catalog.event): 1, str(catalog.course): 1}
            res = client.patch(path, json={"quantity": 4})
        assert res.status_code == 200
        assert res.get_json()["cart"]["total"] == "529.00"
        assert quantities(client) == {str(catalog.event): 4, str(catalog.course): 1}

    def test_remove(self, app, catalog, nth):
        client = app.test_client()
        add_to_cart(client, "event", catalog.event, 1)
        add_to_cart(client, "course", catalog.course)
        path = f"/api/cart/items/event/{catalog.event}"
        with postgres_fails_at(app, nth):
            res = client.delete(path)
        if res.status_code == 503:
            assert quantities(client) == {str(catalog.event): 1, str(catalog.course): 1}
            res = client.delete(path)
        assert res.status_code == 200
        assert res.get_json()["cart"]["total"] == "49.00"
        assert quantities(client) == {str(catalog.course): 1}


def test_a_line_added_meanwhile_is_priced_too(app, catalog):
    """Another tab adds a line between this write's read and its write: read and price again."""
    client = app.test_client()
    add_to_cart(client, "course", catalog.course)
    store = app.extensions["checkout"].carts
    cart_key = store.key_for(client.get_cookie("session_id").value)
    engine = app.extensions["checkout"].session_factory.kw["bind"]
    other_tab = []

    def add_in_other_tab(conn, cursor, statement, *args) -> None:
        if not other_tab:
            other_tab.append(store.client.hset(cart_key, f"course:{catalog.course_b}", 1))

    event.listen(engine, "before_cursor_execute", add_in_other_tab)
    try:
        res = add_to_cart(client, "digital_product", catalog.product)
    finally:
        event.remove(engine, "before_cursor_execute", add_in_other_tab)
    assert other_tab == [1], res.get_data(as_text=True)
    assert res.status_code == 201
    assert res.get_json()["cart"]["total"] == "148.98"
    assert len(res.get_json()["cart"]["items"]) == 3
