"""HTML error pages for errors outside /api/ (the checkout form handles its own errors)."""

from __future__ import annotations

from flask import Response, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from checkout_app import messages
from checkout_app.errors import CheckoutError
from checkout_app.http.error_handlers import with_retry_after


def error_page(status: int, message: str, detail: str | None = None) -> Response:
    """A friendly page with the status, a message and links back to the shop."""
    if current_app.config["APP_ENV"] != "development":
        detail = None
    body = render_template("web/error.html", status=status, message=message, detail=detail)
    return Response(body, status, mimetype="text/html")


def page_for(exc: CheckoutError) -> Response:
    """An error page with the error's status and message."""
    return with_retry_after(error_page(exc.status, exc.message, exc.detail), exc)


def page_for_http(exc: HTTPException) -> Response:
    """404, 405, the 400 of a refused CSRF token, and other HTTP errors as pages."""
    status = exc.code or 500
    message = messages.CSRF_REFUSED if isinstance(exc, CSRFError) else exc.description or exc.name
    return error_page(status, message)
