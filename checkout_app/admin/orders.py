"""Orders: search and pages of the list, one order with its timeline, resend."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from checkout_app import messages
from checkout_app.admin import bp
from checkout_app.admin.forms import decode_cursor, encode_cursor, order_filter, order_id_of
from checkout_app.domain.enums import REFUND_REASONS, OrderStatus
from checkout_app.extensions import shop
from checkout_app.http.staff_session import client_ip, current_staff
from checkout_app.services import backoffice


@bp.get("/")
def home() -> Response:
    """The back office opens on the order list."""
    return redirect(url_for("admin.orders"), 303)


@bp.get("/orders")
def orders() -> str:
    """Orders matching the search, newest first, one keyset page at a time."""
    rows, cursor = backoffice.find_orders(
        shop(), order_filter(request.args), decode_cursor(request.args.get("after", ""))
    )
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    next_url = url_for("admin.orders", **args, after=encode_cursor(cursor)) if cursor else None
    return render_template(
        "admin/orders.html",
        # Flagged orders head the first page: money that did not match is a bug or an attack.
        review=backoffice.orders_to_review(shop()) if "after" not in request.args else [],
        rows=rows,
        next_url=next_url,
        args=args,
        statuses=[s.value for s in OrderStatus],
    )


@bp.get("/orders/<order_id>")
def order(order_id: str) -> str:
    """One order: items, bookings, entitlements and its timeline."""
    page = backoffice.order_page(shop(), order_id_of(order_id))
    return render_template(
        "admin/order.html",
        order=page.order,
        timeline=page.timeline,
        refunds=page.refunds,
        refundable=page.refundable,
        reasons=REFUND_REASONS,
    )


@bp.post("/orders/<order_id>/resend")
def resend(order_id: str) -> Response:
    """Queue the confirmation email again (support and managers)."""
    staff = current_staff()
    assert staff is not None  # require_staff let the request in
    backoffice.resend_confirmation(shop(), order_id_of(order_id), staff, client_ip())
    flash(messages.CONFIRMATION_RESENT)
    return redirect(url_for("admin.order", order_id=order_id), 303)
