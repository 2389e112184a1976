"""A webhook answered 5xx changes nothing: Redis down while an order completes.

Before, the order was completed and committed first and the cart clean-up (Redis) failed after:
Stripe got 503 for an event that had already changed the order.
"""

from __future__ import annotations

from sqlalchemy import text

from ..helpers import add_to_cart, deliver, stripe_event


def test_completion_with_redis_down_answers_503_and_writes_nothing(
    make_app, own_redis, catalog, sim, db
):
    client = make_app(REDIS_URL=own_redis.url).test_client()
    add_to_cart(client, "course", catalog.course)
    add_to_cart(client, "event", catalog.event, 2)
    order_id = client.post(
        "/api/checkout/create-session", json={"userEmail": "ann@example.com"}
    ).get_json()["orderId"]
    (session,) = sim.sessions()
    event = stripe_event(
        "checkout.session.completed",
        session,
        status="complete",
        payment_status="paid",
        payment_intent="pi_outage",
    )

    def written() -> tuple[str, int]:
        status = db.execute(
            text("SELECT status FROM orders WHERE id = :id"), {"id": order_id}
        ).scalar_one()
        events = db.execute(
            text("SELECT count(*) FROM stripe_events WHERE id = :id"), {"id": event["id"]}
        ).scalar_one()
        return status, events

    own_redis.stop()
    res = deliver(client, event)
    assert res.status_code == 503
    assert res.headers["Retry-After"]
    assert written() == ("pending", 0)

    own_redis.start()
    res = deliver(client, event)  # Stripe's redelivery
    assert (res.status_code, res.get_json()["duplicate"]) == (200, False)
    assert written() == ("completed", 1)
    assert deliver(client, event).get_json()["duplicate"] is True
