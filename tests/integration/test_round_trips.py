"""The round-trip budget of one checkout, whatever the cart holds, counted on the wire.

Every message PostgreSQL receives counts: statements, BEGIN, COMMIT, ROLLBACK and pool pings.
A counting proxy (bench/pgwire.py) sits between the app and the server. The budget is two: the
read (open checkouts, user, catalog) and the write (supersede, lock, recount, insert), each a
server-side function call that is its own transaction. Before, a checkout cost 13.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import make_url

from bench.pgwire import CountingProxy

from ..conftest import JWT_SECRET
from ..helpers import add_course, add_to_cart, bearer, identity_token

CREATE = "/api/checkout/create-session"
BUDGET = 2


@pytest.fixture
def proxied(make_app, database_url) -> Iterator[tuple[object, CountingProxy]]:
    """An app whose every PostgreSQL message goes through a counting proxy."""
    url = make_url(database_url)
    proxy = CountingProxy(url.host or "127.0.0.1", url.port or 5432)
    port = proxy.start()
    app = make_app(DATABASE_URL=url.set(host="127.0.0.1", port=port).render_as_string(False))
    try:
        yield app, proxy
    finally:
        app.extensions["checkout"].session_factory.kw["bind"].dispose()
        proxy.stop()


def round_trips(proxy: CountingProxy, client, body, headers=None) -> list[str]:
    proxy.take()
    res = client.post(CREATE, json=body, headers=headers)
    assert res.status_code == 200, res.get_json()
    return proxy.take()


def warm_up(app, db) -> None:
    """One checkout first, so that connecting (startup, authentication) is not counted:
    a worker's pool is warm too."""
    client = app.test_client()
    add_to_cart(client, "course", add_course(db, "Warm-up", "1.00"))
    assert client.post(CREATE, json={"userEmail": "warm@example.com"}).status_code == 200


@pytest.mark.parametrize("lines", [1, 10, 50])
def test_guest_buying_courses(proxied, db, sim, lines):
    app, proxy = proxied
    warm_up(app, db)
    client = app.test_client()
    for n in range(lines):
        add_to_cart(client, "course", add_course(db, f"Course {n}", "10.00"))
    sent = round_trips(proxy, client, {"userEmail": "ann@example.com"})
    assert len(sent) == BUDGET, sent
    assert [q.split("(")[0] for q in sent] == [
        "SELECT * FROM checkout_read",
        "SELECT checkout_place_order",
    ]


def test_known_user_with_event_superseding_an_earlier_order(proxied, db, catalog, sim):
    app, proxy = proxied
    warm_up(app, db)
    client = app.test_client()
    add_to_cart(client, "course", catalog.course)
    add_to_cart(client, "event", catalog.event, 2)
    body = {"userEmail": "ann@example.com", "userId": str(catalog.user)}
    proof = bearer(identity_token(catalog.user, JWT_SECRET))
    assert len(round_trips(proxy, client, body, proof)) == BUDGET
    client.patch(f"/api/cart/items/event/{catalog.event}", json={"quantity": 3})
    sent = round_trips(proxy, client, body, proof)
    assert len(sent) == BUDGET, sent  # the superseded order is cancelled in the same call


def test_an_identical_repeat_reads_once_and_writes_nothing(proxied, db, catalog, sim):
    app, proxy = proxied
    warm_up(app, db)
    client = app.test_client()
    add_to_cart(client, "event", catalog.event, 2)
    round_trips(proxy, client, {"userEmail": "ann@example.com"})
    sent = round_trips(proxy, client, {"userEmail": "ann@example.com"})
    assert len(sent) == 1, sent
