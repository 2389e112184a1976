"""Refunds from the order page: everything left, an amount, or one line (managers only)."""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for

from checkout_app import messages
from checkout_app.admin import bp
from checkout_app.admin.forms import order_id_of, refund_ask
from checkout_app.errors import CheckoutError, StaffForbidden
from checkout_app.extensions import shop
from checkout_app.http.staff_session import client_ip, current_staff
from checkout_app.services.refunds import refund_order


@bp.post("/orders/<order_id>/refunds")
def refund(order_id: str) -> Response:
    """Ask Stripe for the refund; a refusal (4xx) comes back to the order page as a message."""
    staff = current_staff()
    assert staff is not None  # require_staff let the request in
    if not staff.may_refund:
        raise StaffForbidden()
    back = redirect(url_for("admin.order", order_id=order_id), 303)
    try:
        made = refund_order(
            shop(), order_id_of(order_id), refund_ask(request.form), staff.actor, client_ip()
        )
    except CheckoutError as exc:
        if exc.status >= 500:
            raise
        flash(exc.message, "error")
        return back
    asked = {"amount": f"{made.amount:.2f}", "currency": made.currency.upper()}
    flash(messages.REFUND_ASKED.format(**asked, status=made.status))
    return back
