"""The checkout form (same use cases as the JSON endpoint), then success and cancel pages."""

from __future__ import annotations

from flask import Response, redirect, render_template, request
from flask.typing import ResponseReturnValue

from checkout_app.api.schemas import CheckoutRequestSchema, load
from checkout_app.errors import CheckoutError
from checkout_app.extensions import shop
from checkout_app.http.error_handlers import failures_as, note, with_retry_after
from checkout_app.http.idempotency import idempotent
from checkout_app.http.limits import checkout_limit
from checkout_app.http.session import current_session_id
from checkout_app.services.cart import view_cart
from checkout_app.services.checkout import CheckoutRequest, cart_for_checkout, create_checkout
from checkout_app.services.orders import order_by_checkout_session
from checkout_app.web import bp


def checkout_form(email: str, error: CheckoutError | None = None) -> Response:
    """The summary and email form; after an error, its message and status, the email kept."""
    # A 5xx may mean Redis or PostgreSQL is down: do not read the cart again then.
    cart = None if error and error.status >= 500 else view_cart(shop(), current_session_id())
    body = render_template("web/checkout.html", cart=cart, email=email, error=error)
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
            cart = cart_for_checkout(shop(), current_session_id())
            body = load(CheckoutRequestSchema(), {"userEmail": email}, ("userEmail",))
            wanted = CheckoutRequest(customer_email=body["user_email"])
            result = create_checkout(shop(), cart, wanted)
    except CheckoutError as exc:
        note(exc)
        return checkout_form(email or "", exc)
    return redirect(result.session_url, 303)


@bp.get("/checkout/success")
def success() -> str:
    """The order paid for in this Checkout Session; a 404 page for an unknown id."""
    order = order_by_checkout_session(shop(), request.args.get("session_id", ""))
    return render_template("web/success.html", order=order)


@bp.get("/checkout/cancel")
def cancel() -> str:
    """Checkout cancelled: nothing was paid and the cart is as it was."""
    return render_template("web/cancel.html", cart=view_cart(shop(), current_session_id()))
