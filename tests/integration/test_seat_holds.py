"""In-flight seat claims in Redis: admission control in front of the database's row lock.

Claims are taken by a checkout's second Redis round trip (adapters/checkout_run.py prepare)
and dropped by its last one, when the checkout ends."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from checkout_app.domain.cart import CartKey, CartLine, new_session_id
from checkout_app.domain.enums import ItemType
from checkout_app.errors import ItemsUnavailable
from checkout_app.services.checkout import checked_cart


@pytest.fixture
def shop(app):
    return app.extensions["checkout"]


@contextmanager
def claiming(shop, claim_id: str, wanted, left, ttl_seconds: float = 30) -> Iterator[None]:
    """A checkout that has claimed `wanted` seats (event -> seats) of `left`, until it ends."""
    session_id = new_session_id(shop.settings.base_url)
    shop.carts.replace(
        session_id, [CartLine(CartKey(ItemType.EVENT, e), n) for e, n in wanted.items()]
    )
    redis = shop.checkout_redis
    with redis.run(session_id, f"checkout:{claim_id}", 1, checked_cart) as state:
        attempt = (uuid.uuid4(), claim_id, {})
        redis.prepare(state, claim_id, wanted, left, ttl_seconds, None, attempt)
        yield
        state.forget_attempt = True  # as a checkout whose order was written


def claims_on(shop, event: uuid.UUID) -> int:
    return shop.checkout_redis.seat_holds.client.zcard(shop.checkout_redis.seat_holds.key(event))


def test_claims_beyond_the_seats_left_are_refused_until_released(shop):
    event = uuid.uuid4()
    with claiming(shop, "a", {event: 3}, {event: 4}):
        with pytest.raises(ItemsUnavailable), claiming(shop, "b", {event: 2}, {event: 4}):
            pass
        with claiming(shop, "c", {event: 1}, {event: 4}):
            assert claims_on(shop, event) == 2
    assert claims_on(shop, event) == 0
    with claiming(shop, "b", {event: 2}, {event: 4}):
        assert claims_on(shop, event) == 1


def test_a_refused_event_releases_the_events_already_claimed(shop):
    first, second = sorted([uuid.uuid4(), uuid.uuid4()])
    with claiming(shop, "busy", {second: 1}, {second: 1}):
        both = claiming(shop, "both", {first: 1, second: 1}, {first: 5, second: 1})
        with pytest.raises(ItemsUnavailable), both:
            pass
        assert claims_on(shop, first) == 0
        # Stripe was never called for "both": nothing to replay.
        assert [a.cart_hash for a in shop.attempts.pending()] == ["busy"]


def test_a_claim_whose_checkout_died_lapses(shop):
    event = uuid.uuid4()
    with ExitStack() as never_left:
        # Entered and never left, like a worker killed mid-checkout.
        never_left.enter_context(claiming(shop, "crashed", {event: 1}, {event: 1}, 0.2))
        with pytest.raises(ItemsUnavailable), claiming(shop, "next", {event: 1}, {event: 1}):
            pass
        deadline = time.monotonic() + 10
        while True:
            try:
                with claiming(shop, "next", {event: 1}, {event: 1}):
                    members = shop.checkout_redis.seat_holds.client.zrange(
                        shop.checkout_redis.seat_holds.key(event), 0, -1
                    )
                    assert members == [b"next:1"]  # the stale claim was dropped
                break
            except ItemsUnavailable:
                assert time.monotonic() < deadline, "the dead checkout's claim never lapsed"
                time.sleep(0.05)
