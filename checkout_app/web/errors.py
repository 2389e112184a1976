"""HTML answers for errors outside /api/: the page a cart form was on again, or an error page
(the checkout form handles its own errors)."""

from __future__ import annotations

from flask import Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from checkout_app import messages
from checkout_app.errors import CheckoutError
from checkout_app.http.error_handlers import with_retry_after
from checkout_app.web.forms import posted_key
from checkout_app.web.shop import cart_page, catalog_page

CART_FORMS = ("web.set_quantity", "web.remove_from_cart")


def error_page(status: int, message: str, detail: str | None = None) -> Response:
    """A friendly page with the status, a message and links back to the shop."""
    if current_app.config["APP_ENV"] != "development":
        detail = None
    body = render_template(
        "web/error.html",
        status=status,
        message=message,
        detail=detail,
        hide_cart_count=status >= 500,  # Redis may be what is down
    )
    return Response(body, status, mimetype="text/html")


def form_page(exc: CheckoutError) -> Response | None:
    """The page a refused cart form post came from, with the error next to its field."""
    if exc.status >= 500:
        return None
    if request.endpoint in CART_FORMS:
        args = request.view_args or {}
        return cart_page(exc, posted_key(f"{args.get('item_type')}:{args.get('item_id')}"))
    if request.endpoint == "web.add_to_cart":
        item = f"{request.form.get('item_type')}:{request.form.get('item_id')}"
        return catalog_page(error=exc, at=posted_key(item))
    return None


def page_for(exc: CheckoutError) -> Response:
    """After a refused cart form post the same page with the error; else an error page."""
    response = form_page(exc) or error_page(exc.status, exc.message, exc.detail)
    return with_retry_after(response, exc)


def page_for_http(exc: HTTPException) -> Response:
    """404, 405, the 400 of a refused CSRF token, and other HTTP errors as pages."""
    status = exc.code or 500
    message = messages.CSRF_REFUSED if isinstance(exc, CSRFError) else exc.description or exc.name
    return error_page(status, message)
