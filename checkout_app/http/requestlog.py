"""One structured log line per request, with a request id echoed in X-Request-ID.

The line holds no body, query string or header values: no emails, card data or secrets.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

log = logging.getLogger("checkout_app.requests")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.started = time.perf_counter()


def finish(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    log.info(
        json.dumps(
            {
                "requestId": g.get("request_id"),
                "method": request.method,
                "path": request.path,  # never the query string
                "status": response.status_code,
                "durationMs": round((time.perf_counter() - g.get("started", 0)) * 1000, 1),
            }
        )
    )
    return response


def register(app: Flask) -> None:
    """Stamp every request and log it when it is answered."""
    app.before_request(start)
    app.after_request(finish)
