"""The checkout's rate limit, spent by the checkout's first Redis script (http/limits.py).

The limit must answer exactly as if it were spent before the view ran: a request over it is
answered 429 whatever else is wrong with it, spends nothing and takes nothing (no lock, no
seat), and a request that stops before the script still spends.
"""

from __future__ import annotations

import pytest

from checkout_app.domain.cart import session_hash
from checkout_app.extensions import RATE_LIMITS
from checkout_app.services.orphans import checkout_lock

from ..helpers import add_to_cart, forget_rate_limits, issued_session_id

CREATE = "/api/checkout/create-session"


@pytest.fixture
def strict(make_app):
    """2 checkouts an hour per session, and per address (factor 1); no earlier spend."""
    app = make_app(RATE_LIMIT_CHECKOUT="2/hour", RATE_LIMIT_IP_FACTOR="1")
    forget_rate_limits(app)
    return app


def spent(app, scope: str) -> int:
    """Requests counted in the windows of `scope` (session, ip, new)."""
    limits = app.extensions[RATE_LIMITS]
    keys = limits.client.keys(f"{limits.prefix}limits:checkout-{scope}:*")
    return sum(limits.client.zcard(key) for key in keys)


def test_a_request_without_a_session_over_the_limit_is_a_429_not_a_401(strict):
    client = strict.test_client()
    assert client.post(CREATE, json={"userEmail": "ann@example.com"}).status_code == 401
    assert client.post(CREATE, json={"userEmail": "ann@example.com"}).status_code == 401
    refused = client.post(CREATE, json={"userEmail": "ann@example.com"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert spent(strict, "new") == 2


def test_a_refused_checkout_spends_nothing_and_takes_no_lock(strict, catalog, sim):
    client = strict.test_client()
    add_to_cart(client, "course", catalog.course)
    session_id = client.get_cookie("session_id").value
    assert client.post(CREATE, json={}).status_code == 400  # a bad body still spends
    assert client.post(CREATE, json={"userEmail": "x"}).status_code == 400

    refused = client.post(CREATE, json={"userEmail": "ann@example.com"})

    assert refused.status_code == 429
    assert refused.get_json()["error"] == "Too many requests. Please try again later."
    assert spent(strict, "session") == 2 and spent(strict, "ip") == 2
    locks = strict.extensions["checkout"].locks
    assert not locks.client.exists(locks.key(checkout_lock(session_hash(session_id))))
    assert sim.requests() == []


def test_a_checkout_of_another_session_is_refused_by_the_address_budget(strict, catalog, sim):
    first, second = strict.test_client(), strict.test_client()
    add_to_cart(first, "course", catalog.course)
    assert first.post(CREATE, json={}).status_code == 400
    assert first.post(CREATE, json={}).status_code == 400
    second.set_cookie("session_id", issued_session_id())
    add_to_cart(second, "course", catalog.course)

    assert second.post(CREATE, json={"userEmail": "bob@example.com"}).status_code == 429
    assert spent(strict, "session") == 2
