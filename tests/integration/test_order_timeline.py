"""Staff on the API: the order timeline, and refunds by back-office login (managers only)."""

from __future__ import annotations

from checkout_app.domain.staff import StaffRole
from checkout_app.services.staff import create_staff

from ..admin.conftest import PASSWORD, log_in
from ..conftest import SUPPORT_TOKEN
from .refund_helpers import STAFF, buy, order_state, refund


def test_timeline_shows_state_changes_stripe_events_and_staff_actions(
    client, sim, served, db, catalog
):
    order = buy(client, sim, [("course", catalog.course, None)])
    refund(client, order.id, amount="9.00")
    sim.dispute(order.payment_intent, "won")
    res = client.get(f"/api/orders/{order.id}/events", headers=STAFF)
    assert res.status_code == 200
    events = res.get_json()["events"]
    seen = [(e["kind"], e["actor"], e["action"]) for e in events]
    for expected in [
        ("order", "shopper", "order.created"),
        ("stripe", "stripe", "checkout.session.completed"),
        ("audit", "stripe", "order.status_changed"),
        ("audit", "support-token", "order.refund_requested"),
        ("stripe", "stripe", "charge.refunded"),
        ("audit", "stripe", "refund.succeeded"),
        ("stripe", "stripe", "charge.dispute.created"),
        ("audit", "stripe", "dispute.opened"),
        ("audit", "stripe", "dispute.closed"),
    ]:
        assert expected in seen, "\n".join(map(str, seen))
    changes = [e["detail"]["to"] for e in events if e["action"] == "order.status_changed"]
    assert changes == ["completed", "partially_refunded", "disputed", "partially_refunded"]
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    asked = next(e for e in events if e["action"] == "order.refund_requested")
    assert asked["detail"]["amount"] == "9.00"
    assert asked["ip"] == "127.0.0.1"


def test_timeline_is_for_staff_only(client, sim, served, catalog):
    order = buy(client, sim, [("course", catalog.course, None)])
    assert client.get(f"/api/orders/{order.id}/events").status_code == 401
    wrong = {"Authorization": f"Bearer {SUPPORT_TOKEN}x"}
    assert client.get(f"/api/orders/{order.id}/events", headers=wrong).status_code == 401
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/api/orders/{unknown}/events", headers=STAFF).status_code == 404


def test_a_manager_session_refunds_and_a_support_session_may_not(
    app, client, sim, served, db, catalog
):
    order = buy(client, sim, [("course", catalog.course, None)])
    shop = app.extensions["checkout"]
    create_staff(shop, "boss@example.com", StaffRole.MANAGER, PASSWORD)
    create_staff(shop, "help@example.com", StaffRole.SUPPORT, PASSWORD)
    helper, boss = app.test_client(), app.test_client()
    assert log_in(helper, "help@example.com").status_code == 303
    assert log_in(boss, "boss@example.com").status_code == 303
    denied = helper.post(f"/api/orders/{order.id}/refunds", json={})
    assert (denied.status_code, denied.get_json()["error"]) == (
        403,
        "Your role does not allow this",
    )
    assert helper.get(f"/api/orders/{order.id}/events").status_code == 200
    done = boss.post(f"/api/orders/{order.id}/refunds", json={"amount": "1.00"})
    assert done.status_code == 202
    assert done.get_json()["refund"]["actor"] == "staff:boss@example.com"
    assert order_state(db, order.id)["refunds"] == [("1.00", "succeeded", "staff:boss@example.com")]
