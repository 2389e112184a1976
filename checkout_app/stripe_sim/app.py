"""Factory of the simulator's WSGI app."""

from collections.abc import Sequence

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from .admin import register_admin
from .api import register_api
from .faults import DropMiddleware
from .hosted import register_hosted_page
from .money import register_money
from .responses import error_response
from .state import SimState
from .webhooks import RETRY_DELAYS, WebhookSender


def create_sim_app(
    public_base_url: str | None = None,
    latency_ms: int = 0,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    webhook_retry_delays: Sequence[float] = RETRY_DELAYS,
    business_name: str = "Course Shop",
) -> Flask:
    """Build the simulator app; its SimState is at `app.extensions["stripe_sim"]`.

    With a webhook URL and secret it sends signed events there; its WebhookSender is at
    `app.extensions["stripe_sim.webhooks"]`.
    """
    if webhook_url and not webhook_secret:
        raise ValueError("a webhook URL needs a webhook secret to sign the events with")
    app = Flask(__name__)
    state = SimState(latency_ms)
    webhooks = WebhookSender(webhook_url or None, webhook_secret, webhook_retry_delays)
    app.extensions["stripe_sim"] = state
    app.extensions["stripe_sim.webhooks"] = webhooks
    register_api(app, state, webhooks, public_base_url.rstrip("/") if public_base_url else None)
    register_admin(app, state, webhooks)
    register_money(app, state, webhooks)
    register_hosted_page(app, state, webhooks, business_name)
    app.register_error_handler(HTTPException, http_error)
    app.wsgi_app = DropMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    return app


def http_error(error: HTTPException) -> Response:
    """Answer routing and HTTP errors with a Stripe error object instead of HTML."""
    status = error.code or 500
    if status in (404, 405):
        message = (
            f"Unrecognized request URL ({request.method}: {request.path}). Please see "
            "https://stripe.com/docs or we can help at https://support.stripe.com/."
        )
        return error_response(404, "invalid_request_error", message)
    error_type = "api_error" if status >= 500 else "invalid_request_error"
    return error_response(status, error_type, error.description or error.name)
