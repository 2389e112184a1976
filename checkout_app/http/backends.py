"""Degrade quietly: one WARNING when a backend goes away, one INFO when it is back.

The first 503 caused by Redis, PostgreSQL or Stripe logs a WARNING; the ones that follow while
it is still down log at DEBUG (each request still has its own request-log line). For Redis and
PostgreSQL a background probe (bounded by their timeouts) notices the return and logs an INFO;
Stripe counts as back after the next checkout that did not fail on it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis
from flask import Flask, Response, current_app, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from checkout_app.errors import (
    CartUnavailable,
    CheckoutError,
    DatabaseUnavailable,
    PaymentUnavailable,
)
from checkout_app.extensions import EXTENSION as SHOP
from checkout_app.services.shop import Shop

log = logging.getLogger(__name__)
EXTENSION = "backend_watch"
PROBE_SECONDS = 0.5
BACKEND_OF = {
    CartUnavailable: "redis",
    DatabaseUnavailable: "postgres",
    PaymentUnavailable: "stripe",
}
CHECKOUT_ENDPOINTS = ("api.create_session", "web.place_order")


class BackendWatch:
    """Which backends are down, since when; probes the ones that can be probed."""

    def __init__(self, probes: dict[str, Callable[[], object]]) -> None:
        self.probes = probes
        self.down_since: dict[str, float] = {}
        self._lock = threading.Lock()

    def went_down(self, name: str, detail: str | None) -> bool:
        """Note a failure; True (and one WARNING) only for the first one of an outage."""
        with self._lock:
            if name in self.down_since:
                return False
            self.down_since[name] = time.monotonic()
        log.warning("%s unreachable, answering 503 until it is back: %s", name, detail)
        if name in self.probes:
            threading.Thread(target=self._probe, args=(name,), daemon=True).start()
        return True

    def came_back(self, name: str) -> None:
        with self._lock:
            since = self.down_since.pop(name, None)
        if since is not None:
            log.info("%s is back after %.1f s", name, time.monotonic() - since)

    def _probe(self, name: str) -> None:
        while name in self.down_since:
            time.sleep(PROBE_SECONDS)
            try:
                self.probes[name]()
            except (redis.RedisError, SQLAlchemyError):
                continue
            self.came_back(name)


def backend_of(exc: CheckoutError) -> str | None:
    """The backend a 5xx error blames, if any."""
    return next((name for kind, name in BACKEND_OF.items() if isinstance(exc, kind)), None)


def report(exc: CheckoutError) -> bool:
    """Note a 5xx; whether the request deserves a WARNING of its own (no backend to blame)."""
    name = backend_of(exc)
    if name is None:
        return True
    current_app.extensions[EXTENSION].went_down(name, exc.detail)
    return False


def _stripe_answered(response: Response) -> Response:
    if request.endpoint in CHECKOUT_ENDPOINTS and response.status_code < 500:
        current_app.extensions[EXTENSION].came_back("stripe")
    return response


def _probes(current: Shop) -> dict[str, Callable[[], object]]:
    def postgres() -> None:
        with current.session_factory() as session:
            session.execute(text("SELECT 1"))

    return {"redis": current.carts.client.ping, "postgres": postgres}


def register(app: Flask) -> None:
    """Keep a watch on the app and note Stripe's return after a checkout."""
    app.extensions[EXTENSION] = BackendWatch(_probes(app.extensions[SHOP]))
    app.after_request(_stripe_answered)
