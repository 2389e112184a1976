"""The round-trip budgets of one checkout, whatever the cart holds, counted on the wire.

Every message PostgreSQL receives counts: statements, BEGIN, COMMIT, ROLLBACK and pool pings.
A counting proxy (bench/pgwire.py) sits between the app and the server. The budget is two: the
read (open checkouts, user, catalog) and the write (supersede, lock, recount, insert), each a
server-side function call that is its own transaction. Before, a checkout cost 13.

Redis the same way (bench/rediswire.py): three round trips, one script each. The first spends
the route's rate limits, takes the lock and reads the cart; the second claims seats, copies the
cart and records the Stripe create; the third cleans up and unlocks. Before, 14; then 4, with
the rate limits a round trip of their own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import make_url

from bench.pgwire import CountingProxy
from bench.rediswire import RedisCountingProxy
from bench.sqlcount import redis_proxy_for

from ..conftest import JWT_SECRET
from ..helpers import add_course, add_to_cart, bearer, forget_rate_limits, identity_token

CREATE = "/api/checkout/create-session"
BUDGET = 2
REDIS_BUDGET = 3


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


@pytest.fixture
def redis_proxied(make_app, redis_url) -> Iterator[tuple[object, RedisCountingProxy]]:
    """An app whose every Redis command (its own client's and flask-limiter's) goes through a
    counting proxy."""
    proxy, proxied_url = redis_proxy_for(redis_url)
    try:
        limits = {"RATE_LIMIT_CHECKOUT": "5/minute", "RATE_LIMIT_IP_FACTOR": "1"}
        app = make_app(REDIS_URL=proxied_url, **limits)
        forget_rate_limits(app)
        yield app, proxy
    finally:
        proxy.stop()


@pytest.mark.parametrize("lines", [1, 10])
def test_a_checkout_costs_three_redis_round_trips_rate_limits_included(
    redis_proxied, db, catalog, sim, lines
):
    app, proxy = redis_proxied
    warm_up(app, db)
    client = app.test_client()
    add_to_cart(client, "event", catalog.event, 2)
    for n in range(lines - 1):
        add_to_cart(client, "course", add_course(db, f"Course {n}", "10.00"))
    proxy.take()
    assert client.post(CREATE, json={"userEmail": "ann@example.com"}).status_code == 200
    assert proxy.take() == [("EVALSHA",)] * REDIS_BUDGET

    # The limit was spent all the same: 5 a minute for the address (the session rotates), so
    # after the warm-up and this one, the 5th checkout is the last.
    for n in range(3):
        add_to_cart(client, "course", add_course(db, f"Extra {n}", "1.00"))
        assert client.post(CREATE, json={"userEmail": "ann@example.com"}).status_code == 200
    add_to_cart(client, "course", add_course(db, "One too many", "1.00"))
    refused = client.post(CREATE, json={"userEmail": "ann@example.com"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
