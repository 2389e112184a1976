"""The test control API under /_sim/ (JSON, no auth): faults, latency, log, sessions, reset."""

from flask import Flask, Response, request

from .faults import is_integer, parse_fault
from .responses import error_response, json_response
from .state import SimState

OK = {"ok": True}


def register_admin(app: Flask, state: SimState) -> None:
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
        return json_response(OK)
