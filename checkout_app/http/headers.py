"""Headers on every answer: nosniff, and `Cache-Control: no-store` unless a view chose caching.

Carts, orders, checkout answers, the shop's pages and the back office carry personal data, so no
shared or browser cache may keep them: Back after paying must show the cart as it is now, not
the one that was paid for. Only static assets set their own Cache-Control and are left alone.
This is the one place that writes no-store.
"""

from __future__ import annotations

from flask import Flask, Response


def add_headers(response: Response) -> Response:
    """nosniff everywhere; no-store on every answer that did not set its own caching."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    """Install the hook."""
    app.after_request(add_headers)
