"""The outbox rows a purchase, a resend and a refund write, column by column.

They pin what the notification senders read, so moving where the payloads are built changes
nothing a sender (or a message already queued) depends on.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text

from checkout_app.domain.staff import StaffMember, StaffRole
from checkout_app.services import backoffice

from ..conftest import JWT_SECRET
from ..helpers import add_to_cart, bearer, identity_token
from .refund_helpers import refund

ROWS = "SELECT channel, recipient, payload, dedupe_key FROM outbox ORDER BY channel, dedupe_key"


def bought_by_a_user_with_a_phone(client, sim, db, catalog) -> str:
    """A course and two seats bought by a known user with a phone; the paid order's id."""
    db.execute(text("UPDATE users SET phone = '+15550100' WHERE id = :id"), {"id": catalog.user})
    assert add_to_cart(client, "course", catalog.course).status_code == 201
    assert add_to_cart(client, "event", catalog.event, 2).status_code == 201
    body = client.post(
        "/api/checkout/create-session",
        json={"userEmail": "known@example.com", "userId": str(catalog.user)},
        headers=bearer(identity_token(catalog.user, JWT_SECRET)),
    ).get_json()
    sim.complete(body["sessionId"])
    return body["orderId"]


def confirmation(order_id: str, kind: str) -> dict:
    return {
        "orderId": order_id,
        "kind": kind,
        "total": "289.00",
        "currency": "usd",
        "items": [
            {
                "itemType": "course",
                "title": "Python Foundations",
                "quantity": 1,
                "unitPrice": "49.00",
            },
            {
                "itemType": "event",
                "title": "Testing Workshop",
                "quantity": 2,
                "unitPrice": "120.00",
            },
        ],
    }


def test_a_paid_order_with_tickets_queues_an_email_and_a_whatsapp(client, sim, served, db, catalog):
    order_id = bought_by_a_user_with_a_phone(client, sim, db, catalog)
    rows = [tuple(row) for row in db.execute(text(ROWS))]
    assert rows == [
        (
            "email",
            "known@example.com",
            confirmation(order_id, "order_confirmation"),
            f"order:{order_id}:email:order_confirmation",
        ),
        (
            "whatsapp",
            "+15550100",
            confirmation(order_id, "booking_confirmation"),
            f"order:{order_id}:whatsapp:booking_confirmation",
        ),
    ]


def test_a_resend_queues_a_copy_of_the_email_under_its_own_id(
    app, client, sim, served, db, catalog
):
    order_id = bought_by_a_user_with_a_phone(client, sim, db, catalog)
    staff = StaffMember(str(uuid.uuid4()), "help@example.com", StaffRole.SUPPORT)
    backoffice.resend_confirmation(app.extensions["checkout"], uuid.UUID(order_id), staff, None)
    copy = db.execute(
        text(
            "SELECT id, channel, recipient, payload, dedupe_key FROM outbox"
            " WHERE dedupe_key LIKE '%:resend:%'"
        )
    ).one()
    assert tuple(copy)[1:] == (
        "email",
        "known@example.com",
        confirmation(order_id, "order_confirmation"),
        f"order:{order_id}:email:order_confirmation:resend:{copy.id}",
    )


def test_a_refund_queues_one_notice_with_its_lines(client, sim, served, db, catalog):
    order_id = bought_by_a_user_with_a_phone(client, sim, db, catalog)
    ticket = {"itemType": "event", "itemId": str(catalog.event), "quantity": 1}
    made = refund(client, order_id, items=[ticket], reason="requested_by_customer")
    assert made.status_code == 202, made.get_json()
    refund_id = made.get_json()["refund"]["refundId"]
    notice = db.execute(
        text(
            "SELECT channel, recipient, payload, dedupe_key FROM outbox"
            " WHERE payload->>'kind' = 'refund_issued'"
        )
    ).one()
    assert tuple(notice) == (
        "email",
        "known@example.com",
        {
            "orderId": order_id,
            "kind": "refund_issued",
            "refundId": refund_id,
            "amount": "120.00",
            "currency": "usd",
            "items": [
                {
                    "itemType": "event",
                    "title": "Testing Workshop",
                    "quantity": 1,
                    "amount": "120.00",
                }
            ],
            "message": None,
        },
        f"refund:{refund_id}:email:refund_issued",
    )
