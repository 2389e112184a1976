"""HTML answers for errors outside /api/: the checkout form again, or an error page."""

from __future__ import annotations

from flask import Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from checkout_app.errors import CheckoutError
from checkout_app.web.checkout import CHECKOUT_ENDPOINT, checkout_form

CSRF_MESSAGE = (
    "This form has expired or did not come from this shop, so nothing was changed. "
    "Go back, reload the page and try again."
)


def error_page(status: int, message: str, detail: str | None = None) -> Response:
    """A friendly page with the status, a message and links back to the shop."""
    if current_app.config["APP_ENV"] != "development":
        detail = None
    body = render_template("web/error.html", status=status, message=message, detail=detail)
    return Response(body, status, mimetype="text/html")


def page_for(exc: CheckoutError) -> Response:
    """After a failed POST /checkout the form again, with the typed email; else an error page."""
    if request.endpoint == CHECKOUT_ENDPOINT:
        response = checkout_form(request.form.get("email", ""), exc)
    else:
        response = error_page(exc.status, exc.message, exc.detail)
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def page_for_http(exc: HTTPException) -> Response:
    """404, 405, the 400 of a refused CSRF token, and other HTTP errors as pages."""
    status = exc.code or 500
    message = CSRF_MESSAGE if isinstance(exc, CSRFError) else exc.description or exc.name
    return error_page(status, message)
