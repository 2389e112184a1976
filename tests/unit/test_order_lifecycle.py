"""State changes live on the order and pass the lifecycle's guard: a typed 409, never a 500."""

from __future__ import annotations

import pytest

from checkout_app.domain.enums import OrderStatus
from checkout_app.domain.lifecycle import check_move
from checkout_app.errors import InvalidTransition

from .fakes import pending_order


def test_complete_a_pending_order():
    order = pending_order()
    order.awaiting_payment = True
    order.complete("pi_123")
    assert (order.status, order.awaiting_payment) == (OrderStatus.COMPLETED, False)
    assert order.stripe_payment_intent_id == "pi_123"


def test_complete_keeps_a_known_payment_intent_when_stripe_sends_none():
    order = pending_order()
    order.stripe_payment_intent_id = "pi_known"
    order.complete(None)
    assert order.stripe_payment_intent_id == "pi_known"


def test_cancel_a_pending_order():
    order = pending_order()
    order.cancel()
    assert order.status is OrderStatus.CANCELLED


@pytest.mark.parametrize(
    "first, then",
    [
        ("complete", "cancel"),
        ("complete", "complete"),
        ("cancel", "cancel"),
    ],
)
def test_a_settled_order_refuses_another_settlement(first, then):
    order = pending_order()
    getattr(order, first)(*(["pi_1"] if first == "complete" else []))
    before = order.status
    with pytest.raises(InvalidTransition) as refused:
        getattr(order, then)(*(["pi_2"] if then == "complete" else []))
    assert (refused.value.status, order.status) == (409, before)


def test_a_cancelled_order_paid_late_may_still_complete():
    # Issue 17: money for an order we cancelled is delivered when it still can be.
    order = pending_order()
    order.cancel()
    order.complete("pi_late")
    assert (order.status, order.stripe_payment_intent_id) == (OrderStatus.COMPLETED, "pi_late")


def test_await_payment_only_while_pending():
    order = pending_order()
    order.await_payment()
    assert order.awaiting_payment is True
    order.cancel()
    with pytest.raises(InvalidTransition):
        order.await_payment()
    assert order.awaiting_payment is False


def test_flag_whatever_the_status_and_keep_every_reason():
    order = pending_order()
    order.cancel()
    order.flag("paid while cancelled")
    order.flag("amount mismatch")
    assert order.needs_review is True
    assert order.review_reason == "paid while cancelled; amount mismatch"


@pytest.mark.parametrize(
    "current, target, allowed",
    [
        (OrderStatus.PENDING, OrderStatus.COMPLETED, True),
        (OrderStatus.PENDING, OrderStatus.CANCELLED, True),
        (OrderStatus.COMPLETED, OrderStatus.REFUNDED, True),
        (OrderStatus.PENDING, OrderStatus.REFUNDED, False),
        (OrderStatus.CANCELLED, OrderStatus.PENDING, False),
        (OrderStatus.REFUNDED, OrderStatus.COMPLETED, False),
    ],
)
def test_the_state_machine(current, target, allowed):
    if allowed:
        check_move(current, target)
    else:
        with pytest.raises(InvalidTransition, match="The order cannot make that change"):
            check_move(current, target)
