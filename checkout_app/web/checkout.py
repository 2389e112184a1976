"""The checkout form (same use cases as the JSON endpoint), then success and cancel pages."""

from __future__ import annotations

from flask import Response, redirect, render_template, request
from flask.typing import ResponseReturnValue

from checkout_app.api.schemas import CheckoutRequestSchema, load
from checkout_app.errors import CartEmpty, CartNotFound, CheckoutError, NoSession
from checkout_app.extensions import shop
from checkout_app.http.error_handlers import failures_as, note, with_retry_after
from checkout_app.http.idempotency import idempotent
from checkout_app.http.limits import checkout_limit
from checkout_app.http.session import (
    current_session_id,
    issue_session_id,
    set_session_cookie,
)
from checkout_app.services.cart import view_cart
from checkout_app.services.checkout import CheckoutRequest, create_checkout
from checkout_app.services.orders import latest_order_of_session
from checkout_app.web import bp

# A checkout form posted from a page older than the cart: paid for, emptied or expired since.
STALE_PAGE_ERRORS = (NoSession, CartNotFound, CartEmpty)


def checkout_form(email: str, error: CheckoutError | None = None) -> Response:
    """The summary and email form; after an error, the form again with it, the email kept.

    Without a cart to pay for (a page posted after the order was paid, say) the page says
    so and links to the shopper's latest order instead of offering Pay.
    """
    # A 5xx may mean Redis or PostgreSQL is down: do not read the cart again then.
    down = error is not None and error.status >= 500
    session_id = current_session_id()
    cart = None if down else view_cart(shop(), session_id)
    last_order = (
        None if down or (cart and cart.lines) else latest_order_of_session(shop(), session_id)
    )
    body = render_template(
        "web/checkout.html",
        cart=cart,
        email=email,
        error=error,
        stale=isinstance(error, STALE_PAGE_ERRORS),
        last_order=last_order,
        hide_cart_count=down,
    )
    response = Response(body, error.status if error else 200, mimetype="text/html")
    return with_retry_after(response, error) if error else response


@bp.get("/checkout")
def checkout() -> Response:
    """The order summary and the email field."""
    return checkout_form("")


@bp.post("/checkout")
@idempotent(needs_session=True)
@checkout_limit
def place_order() -> ResponseReturnValue:
    """Create the pending order and Checkout Session, 303 to Stripe; on an error the form again
    with its message and status and the email as typed."""
    email = request.form.get("email")
    try:
        with failures_as(CheckoutError):

            def wanted() -> CheckoutRequest:
                body = load(CheckoutRequestSchema(), {"userEmail": email}, ("userEmail",))
                return CheckoutRequest(
                    customer_email=body["user_email"],
                    next_session_id=issue_session_id(),
                    client_address=request.remote_addr,
                )

            result = create_checkout(shop(), current_session_id(), wanted)
    except CheckoutError as exc:
        note(exc)
        return checkout_form(email or "", exc)
    response = redirect(result.session_url, 303)
    if result.rotated_session_id:
        set_session_cookie(response, result.rotated_session_id)
    return response


@bp.get("/checkout/cancel")
def cancel() -> Response:
    """Checkout cancelled: nothing was paid and the cart is as it was."""
    cart = view_cart(shop(), current_session_id())
    return Response(render_template("web/cancel.html", cart=cart), mimetype="text/html")
