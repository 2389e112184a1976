"""Injected faults: their definition, their answers, and dropping connections."""

import contextlib
import errno
import socket
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from flask import Response

from .responses import error_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

MODES = ("500", "429", "slow", "drop")
DEFAULT_SLOW_DELAY_MS = 15000
DROP_KEY = "stripe_sim.drop"


@dataclass
class Fault:
    """A fault applied to the next `count` matching /v1 requests (None: until cleared)."""

    mode: str
    count: int | None = None
    delay_ms: int = DEFAULT_SLOW_DELAY_MS
    path: str = "/v1/"
    method: str | None = None

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request with this method and path."""
        method_matches = self.method is None or self.method == method
        return method_matches and path.startswith(self.path)

    def to_dict(self) -> dict[str, Any]:
        """The fault as JSON-ready data."""
        return asdict(self)


def parse_fault(payload: Any) -> Fault:
    """Build a Fault from a control API body; raises ValueError with a readable reason."""
    if not isinstance(payload, dict):
        raise ValueError("Body must be a JSON object.")
    unknown = set(payload) - {"mode", "count", "delay_ms", "path", "method"}
    if unknown:
        raise ValueError(f"Unknown fields: {', '.join(sorted(unknown))}")
    mode = payload.get("mode")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    count = payload.get("count")
    if count is not None and (not is_integer(count) or count < 1):
        raise ValueError("count must be a positive integer or null")
    delay_ms = payload.get("delay_ms")
    if delay_ms is None:
        delay_ms = DEFAULT_SLOW_DELAY_MS
    if not is_integer(delay_ms) or delay_ms < 0:
        raise ValueError("delay_ms must be a non-negative integer")
    path = payload.get("path") or "/v1/"
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError("path must be a string starting with '/'")
    method = payload.get("method")
    if method is not None and not isinstance(method, str):
        raise ValueError("method must be a string or null")
    return Fault(mode, count, delay_ms, path, method.upper() if method else None)


def is_integer(value: Any) -> bool:
    """Whether a decoded JSON value is an integer (booleans excluded)."""
    return isinstance(value, int) and not isinstance(value, bool)


def fault_response(mode: str, environ: "WSGIEnvironment") -> Response:
    """The answer for a request hit by a 500, 429 or drop fault."""
    if mode == "500":
        return error_response(
            500, "api_error", "An unknown error occurred (fault injected by stripe_sim)."
        )
    if mode == "429":
        return error_response(
            429,
            "invalid_request_error",
            "Request rate limit exceeded (fault injected by stripe_sim).",
            code="rate_limit",
        )
    environ[DROP_KEY] = True
    return Response(status=500)


class DropMiddleware:
    """WSGI middleware closing the client connection, without any answer, on dropped requests."""

    def __init__(self, wsgi_app: "WSGIApplication") -> None:
        self.wsgi_app = wsgi_app

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        """Run the app; when it marked the request as dropped, cut the connection instead."""
        body = self.wsgi_app(environ, start_response)
        if not environ.get(DROP_KEY):
            return body
        close = getattr(body, "close", None)
        if close is not None:
            close()
        connection = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        # Servers treat a connection error from the app as a client disconnect: they log
        # nothing noisy and, above all, write no status line or body to the socket.
        raise ConnectionResetError(errno.ECONNRESET, "stripe_sim dropped the connection")
