"""What must hold after any fault: the checks the drill runs on its answers and the database.

- every answer is a 200 or one of the contract's JSON errors (`{"success": false, "error"}` with
  a message the contract fixes for that status; every 503 with Retry-After); no 500, no HTML;
  the one exception is an answer cut off mid-body, which only a killed instance may leave
  (`cut_off_violations`), and which counts as a request of unknown fate;
- one order per 200: every 200's orderId is an order, and orders nobody got a 200 for are at most
  the requests whose fate the client could not know (no answer, or nginx's 503 for a request
  in flight on an instance that died);
- no event holds more seats than it has;
- every Stripe Checkout Session is an order's or expired, once `expire-stale-orders` has
  expired the ones an instance opened and then died (or gave up) before writing the order.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, text

from checkout_app.stripe_sim.control import SimControl

from .shoppers import Answer

SOLD_OUT = "Some items in your cart are no longer available"
UNAVAILABLE = "Service temporarily unavailable"
CONTRACT_ERRORS = {
    404: {"Cart not found or expired. Please add items again."},
    409: {SOLD_OUT, "Request in progress"},
    429: {"Too many requests. Please try again later."},
    503: {"Payment system error. Please try again later.", "Cart service unavailable", UNAVAILABLE},
}


def contract_violations(answers: Iterable[Answer]) -> list[str]:
    """Answers that are neither a 200 nor one of the contract's JSON errors."""
    found = []
    for answer in answers:
        if (answer.status == 200 and answer.order_id) or answer.cut_off:
            continue
        body = answer.body
        allowed = CONTRACT_ERRORS.get(answer.status, set())
        if not (isinstance(body, dict) and body.get("success") is False):
            found.append(f"{answer.status} without the contract's JSON error: {body!r:.120}")
        elif answer.error not in allowed:
            found.append(f"{answer.status} {answer.error!r} is not the contract's answer")
        elif answer.status == 503 and not answer.retry_after:
            found.append(f"503 {answer.error!r} without Retry-After")
    return found


def cut_off_violations(answers: Iterable[Answer]) -> list[str]:
    """Answers cut off mid-body in a phase where no app instance was killed."""
    return [f"answer cut off mid-body: {a.body!r:.120}" for a in answers if a.cut_off]


def order_violations(
    engine: Engine, answers: list[Answer], unknown_fate: int, since: float
) -> list[str]:
    """One order per 200; orders (made since `since`) without a 200 only for requests of
    unknown fate."""
    answered = {a.order_id for a in answers if a.status == 200 and a.order_id}
    with engine.connect() as conn:
        orders = set(
            conn.scalars(
                text("SELECT id::text FROM orders WHERE created_at >= to_timestamp(:t)"),
                {"t": since},
            )
        )
    found = [f"200 with orderId {o} but no such order" for o in sorted(answered - orders)]
    unanswered = len(orders - answered)
    if unanswered > unknown_fate:
        found.append(
            f"{unanswered} orders nobody got a 200 for, but only {unknown_fate} requests "
            "of unknown fate"
        )
    return found


def seat_violations(engine: Engine) -> list[str]:
    """Events whose pending and confirmed bookings hold more seats than they have."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT e.id, e.capacity, coalesce(sum(b.attendees), 0) FROM events e"
                " LEFT JOIN bookings b ON b.event_id = e.id"
                " AND b.status IN ('pending', 'confirmed') GROUP BY e.id, e.capacity"
                " HAVING coalesce(sum(b.attendees), 0) > e.capacity"
            )
        ).all()
    return [f"event {event}: {held} seats held of {capacity}" for event, capacity, held in rows]


def orphan_sessions(engine: Engine, sim: SimControl, since: float) -> list[str]:
    """Checkout Sessions created since `since` that are neither an order's nor expired."""
    with engine.connect() as conn:
        ours = set(conn.scalars(text("SELECT stripe_checkout_session_id FROM orders")))
    return [
        s["id"]
        for s in sim.sessions()
        if s["created"] >= int(since) and s["id"] not in ours and s["status"] != "expired"
    ]


def unknown_fate(answers: Iterable[Answer]) -> int:
    """Requests whose outcome the client cannot know: no answer or one cut off mid-body (status
    0), or nginx's own 503 (the app's own 5xx means nothing changed)."""
    return sum(1 for a in answers if a.status == 0 or (a.status == 503 and not a.from_app))
