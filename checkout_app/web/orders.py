"""The success page, driven by the order's status, and an event's calendar file."""

from __future__ import annotations

from flask import Response, render_template, request, url_for

from checkout_app.db.order_view import OrderView
from checkout_app.errors import OrderNotFound
from checkout_app.extensions import shop
from checkout_app.http.session import current_session_id
from checkout_app.services.orders import order_by_checkout_session, placed_by
from checkout_app.web import bp
from checkout_app.web.calendar import event_ics

# Seconds before the pending page reloads itself: 2, 4, 8, 16, then every 30.
MAX_REFRESH_SECONDS = 30


def refresh_delay(attempt: int) -> int:
    """The backoff of the self-refreshing pending page."""
    return min(2 ** max(attempt, 1), MAX_REFRESH_SECONDS)


def order_state(order: OrderView) -> str:
    """What the shopper is told: paid, pending, awaiting (a delayed method), cancelled, review."""
    if order.needs_review:
        return "review"
    if order.status == "pending":
        return "awaiting" if order.awaiting_payment else "pending"
    return {"completed": "paid"}.get(order.status, order.status)


@bp.get("/checkout/success")
def success() -> Response:
    """The order of this Checkout Session as it is now; a 404 page for an unknown id.

    While the payment is pending the answer carries `Refresh` (a reload with backoff that
    needs no JavaScript). Only the browser that placed the order sees the email and lines.
    """
    session_id = request.args.get("session_id", "")
    order = order_by_checkout_session(shop(), session_id)
    state = order_state(order)
    attempt = request.args.get("attempt", "1")
    attempt_number = int(attempt) if attempt.isdigit() and len(attempt) < 4 else 1
    refreshing = state in ("pending", "awaiting") and request.args.get("updates") != "off"
    body = render_template(
        "web/success.html",
        order=order,
        state=state,
        mine=placed_by(order, current_session_id()),
        refreshing=refreshing,
    )
    response = Response(body, mimetype="text/html")
    if refreshing:
        delay = refresh_delay(attempt_number)
        target = url_for("web.success", session_id=session_id, attempt=attempt_number + 1)
        response.headers["Refresh"] = f"{delay}; url={target}"
    return response


@bp.get("/checkout/success/events/<event_id>.ics")
def event_calendar(event_id: str) -> Response:
    """A paid order's event as an iCalendar file, for the browser that placed the order."""
    order = order_by_checkout_session(shop(), request.args.get("session_id", ""))
    line = next((i for i in order.items if str(i.item_id) == event_id and i.starts_at), None)
    if line is None or order.status != "completed" or not placed_by(order, current_session_id()):
        raise OrderNotFound()
    body = event_ics(order.id, line)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event_id}.ics"'
    return response
