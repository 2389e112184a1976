"""The checkout's Redis scripts keep a "rotating" note while a checkout may have written its
order under the id the cart moves to, so a retry after a killed worker can adopt that order."""

from __future__ import annotations

import uuid

import pytest

from checkout_app.domain.cart import CartKey, CartLine, new_session_id, session_hash
from checkout_app.domain.enums import ItemType
from checkout_app.services.checkout import checked_cart


@pytest.fixture
def shop(app):
    return app.extensions["checkout"]


def begin(shop, session_id: str):
    return shop.checkout_redis.run(
        session_id, f"checkout:{session_hash(session_id)}", 1, checked_cart
    )


def prepared(shop, state, copy_to: str) -> None:
    attempt = (uuid.uuid4(), session_hash(state.cart.session_id), {})
    shop.checkout_redis.prepare(state, "claim", {}, {}, 30, copy_to, attempt)
    state.forget_attempt = True  # as after an expired session: no create record left behind


def test_the_note_outlives_a_failed_write_and_goes_once_settled_or_retired(shop):
    session_id = new_session_id(shop.settings.base_url)
    line = CartLine(CartKey(ItemType.COURSE, uuid.uuid4()), 1)
    shop.carts.replace(session_id, [line])
    first, second = (new_session_id(shop.settings.base_url) for _ in range(2))
    with begin(shop, session_id) as state:
        assert state.rotating_to is None
        prepared(shop, state, first)
        assert shop.carts.load(first).lines == (line,)  # the copy
        # the order write fails here, its outcome unknown: the copy goes, the note stays
    assert shop.carts.load(first) is None
    with begin(shop, session_id) as state:
        assert state.rotating_to == session_hash(first)
        state.rotation_settled = True  # as the use case does once it adopted what was there
    with begin(shop, session_id) as state:
        assert state.rotating_to is None
        prepared(shop, state, second)
        state.retire_to = session_hash(second)  # the order is written: the cart moves
    with begin(shop, second) as state:
        assert state.rotating_to is None and state.cart.lines == (line,)
    assert shop.carts.load(session_id) is None
    moved = shop.carts.client.get(shop.carts.moved_key(session_id))
    assert moved.decode() == session_hash(second)
