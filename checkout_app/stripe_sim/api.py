"""The Stripe-compatible /v1 endpoints and the hooks every /v1 request goes through."""

import re
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request

from .faults import DROP_KEY, fault_response
from .params import ParamError, decode_form
from .responses import error_response, json_response, param_error_response
from .sessions import build_session, random_id
from .state import IdempotencyConflict, SimState, StoredResponse
from .webhooks import WebhookSender

V1_PREFIX = "/v1/"
API_KEY_PATTERN = re.compile(r"^sk_(test|live)_\S+$")
NO_KEY_MESSAGE = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
)


def register_api(
    app: Flask, state: SimState, webhooks: WebhookSender, public_base_url: str | None
) -> None:
    """Add the /v1 routes plus hooks applying faults, latency, auth and request logging."""

    @app.before_request
    def prepare_request() -> Response | None:
        if not request.path.startswith(V1_PREFIX):
            return None
        g.generation = state.generation
        g.fault = state.take_fault(request.method, request.path)
        g.api_key = bearer_key(request.headers.get("Authorization", ""))
        params_error = None
        try:
            g.params = read_params()
        except ParamError as error:
            g.params, params_error = {}, error
        delay_ms = state.latency_ms
        if g.fault is not None and g.fault.mode == "slow":
            delay_ms += g.fault.delay_ms
        if delay_ms and not state.pause(delay_ms / 1000, g.generation):
            return error_response(500, "api_error", "The simulator was reset during this request.")
        if g.fault is not None and g.fault.mode != "slow":
            return fault_response(g.fault.mode, request.environ)
        if g.api_key is None:
            return error_response(401, "invalid_request_error", NO_KEY_MESSAGE)
        if not API_KEY_PATTERN.match(g.api_key):
            message = f"Invalid API Key provided: {mask_key(g.api_key)}"
            return error_response(401, "invalid_request_error", message)
        if params_error is not None:
            return param_error_response(params_error)
        return None

    @app.after_request
    def finish_request(response: Response) -> Response:
        if not request.path.startswith(V1_PREFIX):
            return response
        idempotency_key = request.headers.get("Idempotency-Key")
        response.headers["Request-Id"] = random_id("req_", 14)
        if idempotency_key and request.method == "POST":
            response.headers["Idempotency-Key"] = idempotency_key
        entry = {
            "method": request.method,
            "path": request.path,
            "params": g.params,
            "idempotency_key": idempotency_key,
            "api_key_last4": g.api_key[-4:] if g.api_key else None,
            "status": None if request.environ.get(DROP_KEY) else response.status_code,
            "fault": g.fault.mode if g.fault is not None else None,
        }
        state.record(entry, g.generation)
        return response

    @app.post("/v1/checkout/sessions")
    def create_session() -> Response:
        def produce() -> Response:
            base_url = public_base_url or request.host_url.rstrip("/")
            try:
                session, items = build_session(g.params, base_url, int(time.time()))
            except ParamError as error:
                return param_error_response(error)
            state.add_session(session, items)
            return json_response(session)

        return idempotent(state, produce)

    @app.get("/v1/checkout/sessions/<session_id>")
    def retrieve_session(session_id: str) -> Response:
        session = state.session(session_id)
        if session is None:
            return missing_session(session_id)
        return json_response(session)

    @app.get("/v1/checkout/sessions/<session_id>/line_items")
    def list_line_items(session_id: str) -> Response:
        items = state.line_items(session_id)
        if items is None:
            return missing_session(session_id)
        url = f"/v1/checkout/sessions/{session_id}/line_items"
        return json_response({"object": "list", "data": items, "has_more": False, "url": url})

    @app.post("/v1/checkout/sessions/<session_id>/expire")
    def expire_session(session_id: str) -> Response:
        expired_now: list[dict[str, Any]] = []

        def produce() -> Response:
            session, expired = state.expire_session(session_id)
            if session is None:
                return missing_session(session_id)
            if not expired:
                message = 'Only Checkout Sessions with a status in ["open"] can be expired.'
                return error_response(400, "invalid_request_error", message, param="session")
            expired_now.append(session)
            return json_response(session)

        response = idempotent(state, produce)
        # Sent once the idempotency lock is released: the receiver may call us back.
        for session in expired_now:
            webhooks.emit("checkout.session.expired", session)
        return response


def read_params() -> dict[str, Any]:
    """The decoded params of the current request: the form body for POST, else the query."""
    if request.method == "POST":
        return decode_form(request.get_data(as_text=True))
    return decode_form(request.query_string.decode("utf-8", errors="replace"))


def bearer_key(header: str) -> str | None:
    """The API key of an `Authorization: Bearer <key>` header, or None."""
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    return key.strip()


def mask_key(key: str) -> str:
    """An API key with all but its prefix and last four characters hidden."""
    if len(key) <= 12:
        return "*" * len(key)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def missing_session(session_id: str) -> Response:
    """The 404 resource_missing answer for an unknown session id."""
    message = f"No such checkout.session: '{session_id}'"
    return error_response(404, "invalid_request_error", message, "resource_missing", "session")


def idempotent(state: SimState, produce: Callable[[], Response]) -> Response:
    """Run a POST handler once per (API key, Idempotency-Key); replay or reject reuses."""
    key = request.headers.get("Idempotency-Key")
    if not key:
        return produce()
    signature = (request.method, request.path, g.params)

    def stored() -> StoredResponse:
        response = produce()
        return StoredResponse(response.status_code, response.get_data())

    try:
        answer, replayed = state.run_idempotent((g.api_key, key), signature, stored)
    except IdempotencyConflict:
        message = (
            "Keys for idempotent requests can only be used with the same parameters they were "
            f"first used with. Try using a key other than '{key}' if you meant to execute a "
            "different request."
        )
        return error_response(400, "idempotency_error", message)
    response = Response(answer.body, answer.status, mimetype="application/json")
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
