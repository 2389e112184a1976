"""Stripe-format events, signed like Stripe, delivered to one endpoint with retries."""

import copy
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Sequence
from typing import Any

import requests

from .sessions import random_id

API_VERSION = "2025-01-27.acacia"
DELIVERY_TIMEOUT_SECONDS = 5
# Waits before the 2nd..5th attempt: the first one is made synchronously.
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)


def build_event(event_type: str, obj: dict[str, Any], now: int) -> dict[str, Any]:
    """A Stripe event object carrying a copy of a session, charge, refund or dispute."""
    return {
        "id": random_id("evt_", 24),
        "object": "event",
        "api_version": API_VERSION,
        "created": now,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": copy.deepcopy(obj)},
    }


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    """`Stripe-Signature`: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class WebhookSender:
    """Keeps every event sent and delivers each to the configured endpoint, if any."""

    def __init__(
        self,
        url: str | None = None,
        secret: str | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self._initial = (url, secret)
        self.retry_delays = tuple(retry_delays)
        self._lock = threading.Lock()
        self._events: dict[str, dict[str, Any]] = {}
        self._records: dict[str, dict[str, Any]] = {}
        self._stop = threading.Event()
        self.url, self.secret = self._initial

    def configure(self, url: str | None, secret: str | None) -> None:
        """Send later events to `url`, signed with `secret` (None: keep events, send nothing)."""
        with self._lock:
            self.url, self.secret = url, secret

    def reset(self) -> None:
        """Forget all events, stop pending retries, restore the initial endpoint."""
        with self._lock:
            self._stop.set()
            self._stop = threading.Event()
            self._events.clear()
            self._records.clear()
            self.url, self.secret = self._initial

    def close(self) -> None:
        """Stop pending retries (the server is going away)."""
        with self._lock:
            self._stop.set()

    def emit(
        self, event_type: str, obj: dict[str, Any], session_id: str | None = None
    ) -> dict[str, Any]:
        """Record a new event and deliver it; returns its delivery record.

        `session_id` names the Checkout Session a charge, refund or dispute belongs to.
        """
        event = build_event(event_type, obj, int(time.time()))
        record = {
            "id": event["id"],
            "type": event_type,
            "session_id": session_id or obj["id"],
            "created": event["created"],
            "attempts": 0,
            "last_status": None,
            "last_error": None,
            "delivered": False,
        }
        with self._lock:
            self._events[event["id"]] = event
            self._records[event["id"]] = record
        return self.deliver(event["id"])

    def deliver(self, event_id: str) -> dict[str, Any]:
        """One attempt now; on failure, retries with backoff in a background thread."""
        with self._lock:
            stop = self._stop
            if self.url is None or self.secret is None:
                return copy.deepcopy(self._records[event_id])
        if not self._attempt(event_id) and self.retry_delays:
            threading.Thread(
                target=self._retry, args=(event_id, stop), name="stripe-sim-webhook", daemon=True
            ).start()
        return self.record(event_id) or {}

    def record(self, event_id: str) -> dict[str, Any] | None:
        """A copy of one event's delivery record, or None."""
        with self._lock:
            return copy.deepcopy(self._records.get(event_id))

    def event(self, event_id: str) -> dict[str, Any] | None:
        """A copy of one event exactly as it is sent, or None."""
        with self._lock:
            return copy.deepcopy(self._events.get(event_id))

    def records(self) -> list[dict[str, Any]]:
        """Copies of all delivery records, oldest first."""
        with self._lock:
            return copy.deepcopy(list(self._records.values()))

    def _retry(self, event_id: str, stop: threading.Event) -> None:
        for delay in self.retry_delays:
            if stop.wait(delay) or self._attempt(event_id):
                return

    def _attempt(self, event_id: str) -> bool:
        with self._lock:
            event, record = self._events.get(event_id), self._records.get(event_id)
            url, secret = self.url, self.secret
        if event is None or record is None or url is None or secret is None:
            return True  # reset or unconfigured meanwhile: nothing left to deliver
        payload = json.dumps(event, indent=2).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": signature_header(payload, secret, int(time.time())),
        }
        status, error = None, None
        try:
            status = requests.post(
                url, data=payload, headers=headers, timeout=DELIVERY_TIMEOUT_SECONDS
            ).status_code
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300
        with self._lock:
            record["attempts"] += 1
            record["last_status"], record["last_error"] = status, error
            record["delivered"] = record["delivered"] or ok
        return ok
