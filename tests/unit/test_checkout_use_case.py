"""create_checkout against in-memory fakes of its ports: reuse, supersede, rotation, failures."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from checkout_app.domain.cart import Cart, CartKey, CartLine, new_session_id, session_hash
from checkout_app.domain.enums import ItemType
from checkout_app.domain.pricing import CatalogEntry
from checkout_app.errors import (
    CartEmpty,
    CartNotFound,
    DatabaseUnavailable,
    InvalidInput,
    ItemsUnavailable,
    NoSession,
    PaymentUnavailable,
)
from checkout_app.services.checkout import CheckoutRequest, create_checkout

from .fakes import FakeCheckoutDb, FakeCheckoutRedis, FakeCheckoutShop

COURSE = CartKey(ItemType.COURSE, uuid.uuid4())
EVENT = CartKey(ItemType.EVENT, uuid.uuid4())
CATALOG = (
    CatalogEntry(COURSE, "Python Foundations", Decimal("49.00"), True),
    CatalogEntry(EVENT, "Workshop", Decimal("120.00"), True, seats_left=5),
)


def shop_with(*lines: CartLine, entries=CATALOG, users=()) -> tuple[FakeCheckoutShop, str]:
    session_id = new_session_id("secret")
    carts = FakeCheckoutRedis(Cart(session_id, tuple(lines)))
    return FakeCheckoutShop(carts, FakeCheckoutDb(*entries, users=users)), session_id


def ask(email: str = "ann@example.com", **fields) -> CheckoutRequest:
    return CheckoutRequest(email, next_session_id=new_session_id("secret"), **fields)


def checkout(shop: FakeCheckoutShop, session_id: str, request: CheckoutRequest | None = None):
    return create_checkout(shop, session_id, lambda: request or ask())


def test_a_first_checkout_places_one_priced_order_and_rotates_the_cart():
    shop, session_id = shop_with(CartLine(COURSE, 1), CartLine(EVENT, 2))
    result = checkout(shop, session_id)
    (order,) = shop.checkout_db.orders
    assert order.id == result.order_id
    assert order.cart.subtotal == Decimal("289.00")
    assert order.cart.tax == Decimal("28.90")
    assert order.stripe_checkout_session_id == result.session_id
    assert result.rotated_session_id is not None
    assert order.cart_session_hash == session_hash(result.rotated_session_id)
    carts = shop.checkout_redis.carts
    assert session_id not in carts and result.rotated_session_id in carts
    assert shop.checkout_redis.attempts == {}  # the create is crossed off
    assert shop.checkout_redis.locks == set()


def test_an_identical_repeat_gets_the_same_order_and_no_new_session():
    shop, session_id = shop_with(CartLine(COURSE, 1))
    first = checkout(shop, session_id)
    again = checkout(shop, first.rotated_session_id, ask())
    assert again.order_id == first.order_id
    assert again.session_id == first.session_id
    assert len(shop.checkout_db.orders) == 1
    assert len(shop.gateway.sessions) == 1


def test_a_changed_cart_supersedes_the_open_order_and_expires_its_session():
    shop, session_id = shop_with(CartLine(EVENT, 2))
    first = checkout(shop, session_id)
    rotated = first.rotated_session_id
    cart = shop.checkout_redis.carts[rotated]
    shop.checkout_redis.carts[rotated] = Cart(rotated, (CartLine(EVENT, 3),))
    assert cart.lines != shop.checkout_redis.carts[rotated].lines
    second = checkout(shop, rotated)
    assert second.order_id != first.order_id
    assert shop.checkout_db.cancelled == [first.order_id]
    assert shop.gateway.expired == [first.session_id]


def test_another_email_is_another_purchase():
    shop, session_id = shop_with(CartLine(COURSE, 1))
    first = checkout(shop, session_id)
    second = checkout(shop, first.rotated_session_id, ask("bob@example.com"))
    assert second.order_id != first.order_id
    assert shop.checkout_db.cancelled == [first.order_id]


@pytest.mark.parametrize("session_id", [None, "", "short"])
def test_no_session_is_401_before_anything_is_read(session_id):
    shop, _ = shop_with(CartLine(COURSE, 1))
    with pytest.raises(NoSession):
        checkout(shop, session_id)
    assert shop.checkout_db.reads == 0


def test_cart_checks_come_before_the_body():
    shop, _ = shop_with(CartLine(COURSE, 1))

    def body_never_read() -> CheckoutRequest:
        raise AssertionError("the body is validated after the cart checks")

    with pytest.raises(CartNotFound):
        create_checkout(shop, new_session_id("secret"), body_never_read)
    empty, session_id = shop_with()
    with pytest.raises(CartEmpty):
        create_checkout(empty, session_id, body_never_read)


def test_an_unproven_user_id_is_refused_like_an_unknown_one():
    user = uuid.uuid4()
    shop, session_id = shop_with(CartLine(COURSE, 1), users=[user])
    with pytest.raises(InvalidInput):
        checkout(shop, session_id, ask(user_id=user, identity_token=None))
    assert shop.checkout_db.reads == 0
    unknown = uuid.uuid4()
    with pytest.raises(InvalidInput):
        checkout(shop, session_id, ask(user_id=unknown, identity_token=str(unknown)))
    assert checkout(shop, session_id, ask(user_id=user, identity_token=str(user))).order_id


def test_an_item_off_sale_is_409_before_stripe():
    off = (CatalogEntry(COURSE, "Gone", Decimal("49.00"), False),)
    shop, session_id = shop_with(CartLine(COURSE, 1), entries=off)
    with pytest.raises(ItemsUnavailable):
        checkout(shop, session_id)
    assert shop.gateway.sessions == {}


def test_seats_claimed_in_flight_are_409_before_stripe_and_leave_the_cart():
    shop, session_id = shop_with(CartLine(EVENT, 2))
    shop.checkout_redis.seats_in_flight = 4
    with pytest.raises(ItemsUnavailable):
        checkout(shop, session_id)
    assert shop.gateway.sessions == {}
    assert list(shop.checkout_redis.carts) == [session_id]  # the copy is gone
    assert shop.checkout_redis.attempts == {}


def test_a_failed_stripe_call_writes_nothing_and_keeps_the_create_on_record():
    shop, session_id = shop_with(CartLine(COURSE, 1))
    shop.gateway.create_error = PaymentUnavailable()
    with pytest.raises(PaymentUnavailable):
        checkout(shop, session_id)
    assert shop.checkout_db.orders == []
    assert list(shop.checkout_redis.carts) == [session_id]
    # The create may have made a session: expire-stale-orders replays it from this record.
    assert len(shop.checkout_redis.attempts) == 1


@pytest.mark.parametrize("refusal", [ItemsUnavailable(), DatabaseUnavailable()])
def test_a_failed_order_write_expires_the_new_session(refusal):
    shop, session_id = shop_with(CartLine(EVENT, 2))
    shop.checkout_db.refuse = refusal
    with pytest.raises(type(refusal)):
        checkout(shop, session_id)
    (session_id_made,) = shop.gateway.sessions
    assert shop.gateway.expired == [session_id_made]
    assert shop.checkout_redis.attempts == {}  # expired, so crossed off
    assert list(shop.checkout_redis.carts) == [session_id]


def test_a_rotated_id_gets_only_its_identical_order_back():
    shop, session_id = shop_with(CartLine(COURSE, 1))
    first = checkout(shop, session_id)
    moved_hash = session_hash(first.rotated_session_id)
    old = shop.checkout_redis
    old.moved[session_id] = moved_hash
    old.carts[session_id] = old.carts[first.rotated_session_id]
    again = checkout(shop, session_id)
    assert again.order_id == first.order_id and again.rotated_session_id is None
    with pytest.raises(CartNotFound):
        checkout(shop, session_id, ask("bob@example.com"))


def cut_off(shop: FakeCheckoutShop, session_id: str, request: CheckoutRequest | None = None):
    """A checkout whose worker is killed after the order write: no clean-up, no answer."""
    shop.checkout_redis.die_before_finish = True
    try:
        return checkout(shop, session_id, request)
    finally:
        shop.checkout_redis.die_before_finish = False


def test_the_retry_of_a_checkout_cut_off_after_its_write_supersedes_the_lost_order():
    shop, session_id = shop_with(CartLine(COURSE, 1), CartLine(EVENT, 2))
    lost = cut_off(shop, session_id)
    again = checkout(shop, session_id)  # from the id the shopper still has: nobody got the other
    assert again.order_id != lost.order_id
    assert shop.checkout_db.cancelled == [lost.order_id]
    assert shop.gateway.expired == [lost.session_id]
    (placed,) = [o for o in shop.checkout_db.orders if o.id == again.order_id]
    assert placed.cart_session_hash == session_hash(again.rotated_session_id)
    assert shop.checkout_redis.rotating == {}


def test_a_changed_cart_after_a_cut_off_checkout_supersedes_its_order_too():
    shop, session_id = shop_with(CartLine(EVENT, 2))
    lost = cut_off(shop, session_id)
    shop.checkout_redis.carts[session_id] = Cart(session_id, (CartLine(EVENT, 1),))
    again = checkout(shop, session_id)
    assert shop.checkout_db.cancelled == [lost.order_id]
    assert again.rotated_session_id is not None
    assert shop.checkout_redis.rotating == {}


def test_a_failure_after_the_copy_keeps_the_note_until_a_checkout_settles_it():
    shop, session_id = shop_with(CartLine(COURSE, 1))
    shop.checkout_db.refuse = DatabaseUnavailable()  # the write's outcome is unknown
    with pytest.raises(DatabaseUnavailable):
        checkout(shop, session_id)
    assert session_id in shop.checkout_redis.rotating
    shop.checkout_db.refuse = None
    checkout(shop, session_id)
    assert shop.checkout_redis.rotating == {}


def test_a_checkout_without_a_note_reads_once():
    shop, session_id = shop_with(CartLine(COURSE, 1))
    checkout(shop, session_id)
    assert shop.checkout_db.reads == 1
