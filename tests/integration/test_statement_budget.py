"""The statement budget of one checkout, whatever the cart holds."""

from __future__ import annotations

import pytest

from ..conftest import JWT_SECRET
from ..helpers import add_course, add_to_cart, bearer, identity_token, recorded_statements

CREATE = "/api/checkout/create-session"


def statements_for(app, client, body, headers=None) -> list[str]:
    engine = app.extensions["checkout"].session_factory.kw["bind"]
    with recorded_statements(engine) as statements:
        assert client.post(CREATE, json=body, headers=headers).status_code == 200
    return statements


@pytest.mark.parametrize("lines", [1, 10, 50])
def test_guest_buying_courses(app, db, sim, lines):
    client = app.test_client()
    for n in range(lines):
        add_to_cart(client, "course", add_course(db, f"Course {n}", "10.00"))
    statements = statements_for(app, client, {"userEmail": "ann@example.com"})
    # open pending orders, catalog, insert order, insert items
    assert len(statements) == 4, statements


def test_known_user_with_event_superseding_an_earlier_order(app, catalog, sim):
    client = app.test_client()
    add_to_cart(client, "course", catalog.course)
    add_to_cart(client, "event", catalog.event, 2)
    body = {"userEmail": "ann@example.com", "userId": str(catalog.user)}
    proof = bearer(identity_token(catalog.user, JWT_SECRET))
    assert (
        len(statements_for(app, client, body, proof)) == 8
    )  # + user, lock events, recount, bookings
    client.patch(f"/api/cart/items/event/{catalog.event}", json={"quantity": 3})
    statements = statements_for(app, client, body, proof)
    assert len(statements) == 10, statements  # + cancel the superseded order and its bookings
