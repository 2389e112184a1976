"""Security headers on every HTML answer; the CSRF token's cookie and lifetime.

`Cache-Control: no-store` is not set here: http/headers.py puts it on every answer that did not
choose caching, pages and their error pages included.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, request
from flask.blueprints import BlueprintSetupState

from checkout_app.http.error_handlers import is_api_path
from checkout_app.web import bp

STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"


def content_security_policy(config: Mapping[str, Any]) -> str:
    """Only our own origin, except that forms may lead (303) to Stripe's checkout page.

    With STRIPE_API_BASE set (the simulator, in development and tests) its hosted page is
    where the checkout form leads instead.
    """
    form_action = ["'self'", STRIPE_CHECKOUT_ORIGIN]
    if config["STRIPE_API_BASE"]:
        parts = urlsplit(config["STRIPE_API_BASE"])
        form_action.append(f"{parts.scheme}://{parts.netloc}")
    return "; ".join(
        (
            "default-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action " + " ".join(form_action),
        )
    )


@bp.after_app_request
def add_security_headers(response: Response) -> Response:
    """CSP and a referrer policy on the pages (and error pages) outside /api/."""
    if response.mimetype == "text/html" and not is_api_path(request.path):
        response.headers["Content-Security-Policy"] = content_security_policy(current_app.config)
        # same-origin: the CSRF check over https needs our own Referer; nobody else gets one.
        response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.record_once
def csrf_session(state: BlueprintSetupState) -> None:
    """Flask's session cookie holds the CSRF token: SameSite=Lax like session_id, and the
    token lives as long as that browser session (a checkout tab left open still posts)."""
    if state.app.config["SESSION_COOKIE_SAMESITE"] is None:
        state.app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    state.app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
