"""The one place that turns errors into HTTP answers.

Under /api/: JSON `{success: false, error, details?}`. Elsewhere (the shop's pages): HTML.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from checkout_app import messages
from checkout_app.adapters.rate_limits import RateLimited
from checkout_app.errors import CheckoutError
from checkout_app.http import backends
from checkout_app.http.json_bodies import error_json

log = logging.getLogger(__name__)


class HtmlPages(Protocol):
    """The shop's HTML error pages (web/ provides them; http/ does not import web/)."""

    def page_for(self, exc: CheckoutError) -> Response: ...

    def page_for_http(self, exc: HTTPException) -> Response: ...


def is_api_path(path: str) -> bool:
    """Whether a path belongs to the JSON API (which answers errors in JSON)."""
    return path == "/api" or path.startswith("/api/")


def _pages() -> HtmlPages:
    return current_app.extensions["html_error_pages"]


def error_response(status: int, message: str, details: str | None = None) -> Response:
    """A JSON error; `details` is shown only when APP_ENV=development."""
    shown = details if current_app.config["APP_ENV"] == "development" else None
    response = jsonify(error_json(message, shown))
    response.status_code = status
    return response


@contextmanager
def failures_as(error: type[CheckoutError]) -> Iterator[None]:
    """On a route (as a decorator) or around a block: anything unexpected becomes `error`,
    with the traceback as its development-only detail; HTTP errors and a script's refused rate
    limit (http/limits.py answers it) pass through."""
    try:
        yield
    except (CheckoutError, HTTPException, RateLimited):
        raise
    except Exception as exc:
        log.exception("unhandled error on %s %s", request.method, request.path)
        raise error(detail="".join(traceback.format_exception(exc))) from exc


def note(exc: CheckoutError) -> None:
    """Log a server-side failure (5xx) once, by type; views that answer it themselves call it."""
    if exc.status >= 500:
        level = logging.WARNING if backends.report(exc) else logging.DEBUG
        log.log(
            level, "%s on %s %s: %s", type(exc).__name__, request.method, request.path, exc.detail
        )


def handle_checkout_error(exc: CheckoutError) -> Response:
    note(exc)
    if not is_api_path(request.path):
        return _pages().page_for(exc)
    return with_retry_after(error_response(exc.status, exc.message, exc.detail), exc)


def with_retry_after(response: Response, exc: CheckoutError) -> Response:
    """The error's own Retry-After (a 503's), kept over the limiter's window reset."""
    if exc.retry_after is not None:
        response.headers["Retry-After"] = g.retry_after = str(exc.retry_after)
    return response


def handle_http_error(exc: HTTPException) -> Response:
    response = (
        error_response(exc.code or 500, exc.description or exc.name)
        if is_api_path(request.path)
        else _pages().page_for_http(exc)
    )
    for name, value in exc.get_headers():
        if name.lower() in ("allow", "retry-after"):
            response.headers[name] = value
    return response


def handle_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    details = "".join(traceback.format_exception(exc))
    if not is_api_path(request.path):
        return _pages().page_for(CheckoutError(messages.INTERNAL_ERROR, detail=details))
    return error_response(500, messages.INTERNAL_ERROR, details)


def register(app: Flask, pages: HtmlPages) -> None:
    """Install the handlers on the app; `pages` renders errors outside /api/."""
    app.extensions["html_error_pages"] = pages
    backends.register(app)
    app.register_error_handler(CheckoutError, handle_checkout_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
