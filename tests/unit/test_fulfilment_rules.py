"""Payment verdicts, amount checks and reconciliation, against in-memory fakes (no servers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from checkout_app.domain.enums import OrderStatus
from checkout_app.services.fulfilment import (
    Verdict,
    apply_verdict,
    reconcile_stale_orders,
    verdict_of,
)

from .fakes import FakeFulfilment, FakeGateway, FakeShop, FakeUnitOfWork, pending_order, session_for


@pytest.mark.parametrize(
    "event_type, payment_status, verdict",
    [
        ("checkout.session.completed", "paid", Verdict.PAID),
        ("checkout.session.completed", "no_payment_required", Verdict.PAID),
        ("checkout.session.completed", "unpaid", Verdict.AWAITING),
        ("checkout.session.async_payment_succeeded", "paid", Verdict.PAID),
        ("checkout.session.async_payment_failed", "unpaid", Verdict.FAILED),
        ("checkout.session.expired", "unpaid", Verdict.FAILED),
        ("payment_intent.created", "unpaid", None),
    ],
)
def test_what_each_event_says(event_type, payment_status, verdict):
    session = session_for(pending_order(), payment_status=payment_status)
    assert verdict_of(event_type, session) is verdict


def settle(order, verdict, **session_changes):
    fulfilment = FakeFulfilment(order)
    applied = apply_verdict(
        FakeUnitOfWork(fulfilment), session_for(order, **session_changes), verdict, timedelta(1)
    )
    return applied, fulfilment


def test_paid_in_full_completes_the_order():
    order = pending_order()
    applied, fulfilment = settle(order, Verdict.PAID)
    assert (applied.outcome, order.status) == ("completed", OrderStatus.COMPLETED)
    assert fulfilment.completed == [order.id]
    assert order.stripe_payment_intent_id == "pi_test_1"


def test_a_second_payment_report_changes_nothing():
    order = pending_order()
    settle(order, Verdict.PAID)
    applied, fulfilment = settle(order, Verdict.PAID)
    assert applied.outcome == "already_completed"
    assert fulfilment.completed == []


@pytest.mark.parametrize(
    "changes",
    [{"amount_total": 4800}, {"amount_total": 490000}, {"currency": "eur"}, {"currency": None}],
)
def test_an_amount_or_currency_mismatch_is_flagged_never_completed(changes):
    order = pending_order("49.00")
    applied, fulfilment = settle(order, Verdict.PAID, **changes)
    assert applied.outcome == "amount_mismatch"
    assert order.status is OrderStatus.PENDING
    assert order.needs_review is True
    assert fulfilment.completed == []
    assert "order total is 4900 usd" in fulfilment.flagged[0][1]


def test_a_late_payment_already_settled_changes_nothing():
    # Late payments are delivered or refunded (tests/integration/test_late_payments.py); once
    # the payment intent is on the order, another event for it is a no-op, not a flag.
    order = pending_order()
    order.cancel()
    order.stripe_payment_intent_id = "pi_settled"
    applied, fulfilment = settle(order, Verdict.PAID)
    assert applied.outcome == "late_payment_already_settled"
    assert (order.status, order.needs_review, fulfilment.flagged) == (
        OrderStatus.CANCELLED,
        False,
        [],
    )


def test_a_delayed_payment_keeps_the_order_pending_and_awaiting():
    order = pending_order()
    applied, _ = settle(order, Verdict.AWAITING, payment_status="unpaid")
    assert (applied.outcome, order.status, order.awaiting_payment) == (
        "awaiting_payment",
        OrderStatus.PENDING,
        True,
    )


def test_awaiting_after_completion_is_ignored():
    order = pending_order()
    settle(order, Verdict.PAID)
    applied, _ = settle(order, Verdict.AWAITING)
    assert (applied.outcome, order.awaiting_payment) == ("ignored_completed", False)


def test_a_failed_payment_cancels_a_pending_order():
    order = pending_order()
    applied, fulfilment = settle(order, Verdict.FAILED, status="expired")
    assert (applied.outcome, order.status) == ("cancelled", OrderStatus.CANCELLED)
    assert fulfilment.cancelled == [order.id]


def test_an_expiry_after_completion_changes_nothing():
    order = pending_order()
    settle(order, Verdict.PAID)
    applied, fulfilment = settle(order, Verdict.FAILED, status="expired")
    assert (applied.outcome, order.status) == ("ignored_completed", OrderStatus.COMPLETED)
    assert fulfilment.cancelled == []


@pytest.mark.parametrize(
    "changes",
    [
        {"id": "cs_test_someone_elses"},
        {"order_reference": "not-a-uuid", "client_reference_id": "not-a-uuid"},
        {"client_reference_id": "00000000-0000-0000-0000-000000000000"},
    ],
)
def test_a_session_we_did_not_create_is_ignored(changes):
    order = pending_order()
    applied, fulfilment = settle(order, Verdict.PAID, **changes)
    assert applied.outcome == "unknown_session"
    assert order.status is OrderStatus.PENDING
    assert (fulfilment.completed, fulfilment.flagged) == ([], [])


def test_reconcile_cancels_an_order_whose_session_expired():
    order = pending_order()
    gateway = FakeGateway(session_for(order, status="expired", payment_status="unpaid"))
    shop = FakeShop(gateway, FakeFulfilment(order))
    report = reconcile_stale_orders(shop, timedelta(minutes=31), datetime.now(UTC))
    assert report == [
        {"orderId": str(order.id), "sessionStatus": "expired", "outcome": "cancelled"}
    ]
    assert order.status is OrderStatus.CANCELLED


def test_reconcile_expires_an_open_session_past_its_time_first():
    order = pending_order()
    past = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    gateway = FakeGateway(
        session_for(order, status="open", payment_status="unpaid", expires_at=past)
    )
    shop = FakeShop(gateway, FakeFulfilment(order))
    reconcile_stale_orders(shop, timedelta(minutes=31), datetime.now(UTC))
    assert gateway.expired == [order.stripe_checkout_session_id]
    assert order.status is OrderStatus.CANCELLED


def test_reconcile_completes_a_paid_order_whose_webhook_never_came():
    order = pending_order()
    shop = FakeShop(FakeGateway(session_for(order)), FakeFulfilment(order))
    report = reconcile_stale_orders(shop, timedelta(minutes=31), datetime.now(UTC))
    assert report[0]["outcome"] == "completed"
    assert order.status is OrderStatus.COMPLETED


def test_reconcile_leaves_an_open_session_in_time_alone():
    order = pending_order()
    later = int((datetime.now(UTC) + timedelta(minutes=10)).timestamp())
    gateway = FakeGateway(
        session_for(order, status="open", payment_status="unpaid", expires_at=later)
    )
    shop = FakeShop(gateway, FakeFulfilment(order))
    report = reconcile_stale_orders(shop, timedelta(minutes=31), datetime.now(UTC))
    assert report[0]["outcome"] == "still_open"
    assert (order.status, gateway.expired) == (OrderStatus.PENDING, [])
