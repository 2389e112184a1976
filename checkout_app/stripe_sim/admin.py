"""The test control API under /_sim/ (JSON, no auth): faults, latency, log, sessions, reset."""

from flask import Flask, Response, request

from . import lifecycle
from .faults import is_integer, parse_fault
from .responses import error_response, json_response
from .state import SimState
from .webhooks import WebhookSender

OK = {"ok": True}


def register_admin(app: Flask, state: SimState, webhooks: WebhookSender) -> None:
    """Add the /_sim/ control routes."""

    @app.get("/_sim/health")
    def health() -> Response:
        return json_response(OK)

    @app.post("/_sim/faults")
    def add_fault() -> Response:
        try:
            fault = parse_fault(request.get_json(silent=True))
        except ValueError as error:
            return error_response(400, "invalid_request_error", str(error))
        state.add_fault(fault)
        return json_response({"fault": fault.to_dict()})

    @app.delete("/_sim/faults")
    def clear_faults() -> Response:
        state.clear_faults()
        return json_response(OK)

    @app.post("/_sim/config")
    def configure() -> Response:
        payload = request.get_json(silent=True)
        latency_ms = payload.get("latency_ms") if isinstance(payload, dict) else None
        if not is_integer(latency_ms) or latency_ms < 0:
            message = 'Body must be {"latency_ms": <non-negative integer>}.'
            return error_response(400, "invalid_request_error", message)
        state.latency_ms = latency_ms
        return json_response({"latency_ms": latency_ms})

    @app.get("/_sim/requests")
    def list_requests() -> Response:
        return json_response({"data": state.requests()})

    @app.delete("/_sim/requests")
    def clear_requests() -> Response:
        state.clear_requests()
        return json_response(OK)

    @app.get("/_sim/sessions")
    def list_sessions() -> Response:
        return json_response({"data": state.sessions()})

    @app.post("/_sim/reset")
    def reset() -> Response:
        state.reset()
        webhooks.reset()
        return json_response(OK)

    register_session_controls(app, state, webhooks)


def register_session_controls(app: Flask, state: SimState, webhooks: WebhookSender) -> None:
    """Add the routes that move sessions along and inspect or resend webhook events."""

    def answer(outcome: lifecycle.Outcome, session_id: str, needed: str) -> Response:
        session, changed = outcome
        if session is None:
            return error_response(404, "invalid_request_error", f"No such session: {session_id}")
        if not changed:
            return error_response(400, "invalid_request_error", f"The session is not {needed}.")
        events = [r for r in webhooks.records() if r["session_id"] == session_id]
        return json_response({"session": session, "event": events[-1]})

    def choice(field: str, allowed: tuple[str, str]) -> str | None:
        payload = request.get_json(silent=True)
        value = payload.get(field, allowed[0]) if isinstance(payload, dict) else allowed[0]
        return value if value in allowed else None

    @app.post("/_sim/sessions/<session_id>/complete")
    def complete_session(session_id: str) -> Response:
        payment_status = choice("payment_status", ("paid", "unpaid"))
        if payment_status is None:
            message = 'Body must be {"payment_status": "paid" | "unpaid"}.'
            return error_response(400, "invalid_request_error", message)
        body = request.get_json(silent=True)
        late = isinstance(body, dict) and body.get("after_expiry") is True
        outcome = lifecycle.complete(state, webhooks, session_id, payment_status, late)
        return answer(outcome, session_id, "open")

    @app.post("/_sim/sessions/<session_id>/async")
    def settle_async(session_id: str) -> Response:
        result = choice("result", ("succeeded", "failed"))
        if result is None:
            message = 'Body must be {"result": "succeeded" | "failed"}.'
            return error_response(400, "invalid_request_error", message)
        outcome = lifecycle.settle_async(state, webhooks, session_id, result == "succeeded")
        return answer(outcome, session_id, "complete and awaiting a delayed payment")

    @app.post("/_sim/sessions/<session_id>/expire")
    def time_out_session(session_id: str) -> Response:
        return answer(lifecycle.expire(state, webhooks, session_id), session_id, "open")

    @app.get("/_sim/events")
    def list_events() -> Response:
        return json_response({"data": webhooks.records()})

    @app.get("/_sim/events/<event_id>")
    def show_event(event_id: str) -> Response:
        event = webhooks.event(event_id)
        if event is None:
            return error_response(404, "invalid_request_error", f"No such event: {event_id}")
        return json_response(event)

    @app.post("/_sim/events/<event_id>/resend")
    def resend_event(event_id: str) -> Response:
        if webhooks.record(event_id) is None:
            return error_response(404, "invalid_request_error", f"No such event: {event_id}")
        return json_response(webhooks.deliver(event_id))

    @app.put("/_sim/webhook")
    def configure_webhook() -> Response:
        payload = request.get_json(silent=True)
        url = payload.get("url") if isinstance(payload, dict) else None
        secret = payload.get("secret") if isinstance(payload, dict) else None
        if not (url is None or isinstance(url, str)) or (url and not isinstance(secret, str)):
            message = 'Body must be {"url": <string or null>, "secret": <string>}.'
            return error_response(400, "invalid_request_error", message)
        webhooks.configure(url or None, secret if url else None)
        return json_response({"url": url or None})
