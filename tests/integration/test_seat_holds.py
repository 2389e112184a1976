"""In-flight seat claims in Redis: admission control in front of the database's row lock."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from checkout_app.adapters.seat_holds import SeatHolds
from checkout_app.errors import ItemsUnavailable


@pytest.fixture
def holds(redis_url, redis_prefix):
    return SeatHolds(redis.Redis.from_url(redis_url), f"{redis_prefix}holds:{uuid.uuid4().hex}:")


def test_claims_beyond_the_seats_left_are_refused_until_released(holds):
    event = uuid.uuid4()
    with holds.claim("a", {event: 3}, {event: 4}, ttl_seconds=30):
        with pytest.raises(ItemsUnavailable), holds.claim("b", {event: 2}, {event: 4}, 30):
            pass
        with holds.claim("c", {event: 1}, {event: 4}, 30):
            assert holds.client.zcard(holds.key(event)) == 2
    assert holds.client.zcard(holds.key(event)) == 0
    with holds.claim("b", {event: 2}, {event: 4}, 30):
        pass


def test_a_refused_event_releases_the_events_already_claimed(holds):
    first, second = sorted([uuid.uuid4(), uuid.uuid4()])
    with holds.claim("busy", {second: 1}, {second: 1}, 30):
        both = holds.claim("both", {first: 1, second: 1}, {first: 5, second: 1}, 30)
        with pytest.raises(ItemsUnavailable), both:
            pass
        assert holds.client.zcard(holds.key(first)) == 0


def test_a_claim_whose_checkout_died_lapses(holds):
    event = uuid.uuid4()
    crashed = holds.claim("crashed", {event: 1}, {event: 1}, ttl_seconds=0.2)
    crashed.__enter__()  # entered and never left, like a worker killed mid-checkout
    with pytest.raises(ItemsUnavailable), holds.claim("next", {event: 1}, {event: 1}, 30):
        pass
    time.sleep(0.3)
    with holds.claim("next", {event: 1}, {event: 1}, 30):
        assert holds.client.zscore(holds.key(event), "crashed:1") is None  # dropped as stale
    crashed.__exit__(None, None, None)


def test_redis_down_skips_the_claim_not_the_checkout():
    holds = SeatHolds(redis.Redis.from_url("redis://127.0.0.1:1/0"), "x:")
    event = uuid.uuid4()
    with holds.claim("a", {event: 5}, {event: 1}, 30):
        entered = True
    assert entered
