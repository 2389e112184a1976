"""The audit log: order state changes are written by the transition code; rows never change."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text

from ..helpers import add_to_cart, deliver, stripe_event

CREATE = "/api/checkout/create-session"


def audit_lines(db, order_id: str) -> list[tuple]:
    return [
        tuple(row)
        for row in db.execute(
            text(
                "SELECT actor, action, detail->>'from', detail->>'to' FROM audit_log"
                " WHERE order_id = :id ORDER BY id"
            ),
            {"id": order_id},
        )
    ]


def checkout(client, catalog) -> dict:
    add_to_cart(client, "course", catalog.course)
    return client.post(CREATE, json={"userEmail": "ann@example.com"}).get_json()


def test_a_paid_order_logs_its_transition_once(client, catalog, sim, db):
    placed = checkout(client, catalog)
    session = next(s for s in sim.sessions() if s["id"] == placed["sessionId"])
    event = stripe_event(
        "checkout.session.completed",
        session,
        status="complete",
        payment_status="paid",
        payment_intent="pi_audit",
    )
    assert deliver(client, event).status_code == 200
    assert deliver(client, event).status_code == 200  # a replay writes nothing
    assert audit_lines(db, placed["orderId"]) == [
        ("stripe", "order.status_changed", "pending", "completed")
    ]


def test_an_expired_session_logs_the_cancellation(client, catalog, sim, db):
    placed = checkout(client, catalog)
    session = next(s for s in sim.sessions() if s["id"] == placed["sessionId"])
    assert deliver(client, stripe_event("checkout.session.expired", session)).status_code == 200
    assert audit_lines(db, placed["orderId"]) == [
        ("stripe", "order.status_changed", "pending", "cancelled")
    ]


def test_a_superseded_order_logs_its_cancellation(client, catalog, sim, db):
    first = checkout(client, catalog)
    add_to_cart(client, "course", catalog.course_b)
    second = client.post(CREATE, json={"userEmail": "ann@example.com"}).get_json()
    assert second["orderId"] != first["orderId"]
    assert audit_lines(db, first["orderId"]) == [
        ("system", "order.status_changed", "pending", "cancelled")
    ]
    assert audit_lines(db, second["orderId"]) == []


def test_append_writes_a_line_with_the_address(app, db):
    shop = app.extensions["checkout"]
    with shop.uow() as uow:
        uow.audit.append("staff:ann@example.com", "staff.login", detail={"ok": True}, ip="10.0.0.7")
        uow.commit()
    row = db.execute(
        text("SELECT actor, action, detail, host(ip), created_at FROM audit_log")
    ).one()
    assert row[:4] == ("staff:ann@example.com", "staff.login", {"ok": True}, "10.0.0.7")
    assert row[4] is not None


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"]
)
def test_rows_cannot_be_changed_or_deleted(app, db, statement):
    shop = app.extensions["checkout"]
    with shop.uow() as uow:
        uow.audit.append("system", "order.status_changed")
        uow.commit()
    with pytest.raises(exc.ProgrammingError, match="append-only"):
        db.execute(text(statement))
    assert db.execute(text("SELECT actor FROM audit_log")).scalars().all() == ["system"]
