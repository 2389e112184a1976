"""JSON response helpers producing Stripe's wire format."""

import json
from typing import Any

from flask import Response

from .params import ParamError


def json_response(payload: Any, status: int = 200) -> Response:
    """A pretty-printed JSON response, as Stripe sends them."""
    body = json.dumps(payload, indent=2) + "\n"
    return Response(body, status=status, mimetype="application/json")


def error_response(
    status: int,
    error_type: str,
    message: str,
    code: str | None = None,
    param: str | None = None,
) -> Response:
    """A Stripe error answer: `{"error": {"type", "message", "code"?, "param"?}}`."""
    error: dict[str, Any] = {"type": error_type, "message": message}
    if code is not None:
        error["code"] = code
    if param is not None:
        error["param"] = param
    return json_response({"error": error}, status)


def param_error_response(error: ParamError) -> Response:
    """The 400 invalid_request_error answer for a failed parameter validation."""
    return error_response(400, "invalid_request_error", error.message, error.code, error.param)
