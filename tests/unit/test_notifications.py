"""What confirmations and refund notices say and to whom: pure functions, no servers."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from checkout_app.services.fulfilment import Verdict, apply_verdict
from checkout_app.services.notifications import (
    Purchase,
    RefundMade,
    confirmation_copy,
    confirmations,
    refund_notice,
)

from .fakes import FakeFulfilment, FakeUnitOfWork, pending_order, session_for

ORDER = uuid.UUID("00000000-0000-4000-8000-000000000001")
COURSE = ("course", "Python Foundations", 1, Decimal("49.00"))
TICKETS = ("event", "Testing Workshop", 2, Decimal("120.5"))


def purchase(*items, phone: str | None = "+15550100") -> Purchase:
    return Purchase(ORDER, "ann@example.com", phone, Decimal("290"), "usd", items)


def test_a_confirmation_lists_the_lines_with_amounts_as_two_decimal_strings():
    (email,) = confirmations(purchase(COURSE, phone=None))
    assert (email.channel, email.recipient, email.dedupe_key) == (
        "email",
        "ann@example.com",
        f"order:{ORDER}:email:order_confirmation",
    )
    assert email.payload == {
        "orderId": str(ORDER),
        "kind": "order_confirmation",
        "total": "290.00",
        "currency": "usd",
        "items": [
            {
                "itemType": "course",
                "title": "Python Foundations",
                "quantity": 1,
                "unitPrice": "49.00",
            }
        ],
    }


def test_tickets_for_a_user_with_a_phone_add_a_whatsapp_booking_confirmation():
    email, whatsapp = confirmations(purchase(COURSE, TICKETS))
    assert (whatsapp.channel, whatsapp.recipient, whatsapp.dedupe_key) == (
        "whatsapp",
        "+15550100",
        f"order:{ORDER}:whatsapp:booking_confirmation",
    )
    assert whatsapp.payload == {**email.payload, "kind": "booking_confirmation"}
    assert whatsapp.payload["items"][1]["unitPrice"] == "120.50"
    assert list(whatsapp.payload) == list(email.payload)  # same keys, same order


def test_no_whatsapp_without_tickets_or_without_a_phone():
    assert [n.channel for n in confirmations(purchase(COURSE))] == ["email"]
    assert [n.channel for n in confirmations(purchase(TICKETS, phone=None))] == ["email"]
    assert [n.channel for n in confirmations(purchase(TICKETS, phone=""))] == ["email"]


def test_a_resent_copy_is_the_email_under_a_key_and_id_of_its_own():
    message_id = uuid.uuid4()
    copy = confirmation_copy(purchase(COURSE, TICKETS), message_id)
    (email, _) = confirmations(purchase(COURSE, TICKETS))
    assert (copy.id, copy.channel, copy.payload) == (message_id, "email", email.payload)
    assert copy.dedupe_key == f"order:{ORDER}:email:order_confirmation:resend:{message_id}"


def test_a_refund_notice_names_the_refund_its_lines_and_the_note():
    refund_id = uuid.UUID("00000000-0000-4000-8000-000000000002")
    made = RefundMade(
        ORDER,
        "ann@example.com",
        refund_id,
        Decimal("120"),
        "usd",
        [("event", "Testing Workshop", 1, Decimal("120"))],
        "Sorry: the event sold out.",
    )
    notice = refund_notice(made)
    assert (notice.channel, notice.recipient, notice.dedupe_key) == (
        "email",
        "ann@example.com",
        f"refund:{refund_id}:email:refund_issued",
    )
    assert notice.payload == {
        "orderId": str(ORDER),
        "kind": "refund_issued",
        "refundId": str(refund_id),
        "amount": "120.00",
        "currency": "usd",
        "items": [
            {"itemType": "event", "title": "Testing Workshop", "quantity": 1, "amount": "120.00"}
        ],
        "message": "Sorry: the event sold out.",
    }


def test_a_completed_order_queues_its_confirmations_and_a_cancelled_one_none():
    paid, lapsed = pending_order(), pending_order()
    paid.customer_email = lapsed.customer_email = "ann@example.com"
    fulfilment = FakeFulfilment(paid, lapsed, items=[TICKETS])
    fulfilment.phones[paid.user_id] = "+15550100"
    uow = FakeUnitOfWork(fulfilment)
    apply_verdict(uow, session_for(paid), Verdict.PAID, timedelta(1))
    apply_verdict(uow, session_for(lapsed), Verdict.FAILED, timedelta(1))
    assert sorted(uow.outbox.queued) == [
        f"order:{paid.id}:email:order_confirmation",
        f"order:{paid.id}:whatsapp:booking_confirmation",
    ]
