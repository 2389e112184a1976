"""Python client of the simulator's /_sim/ test control API."""

from typing import Any

import requests


class SimControl:
    """Drives a running simulator: faults, latency, log, sessions, events, reset."""

    def __init__(self, base_url: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def fail(
        self,
        mode: str,
        count: int | None = None,
        delay_ms: int | None = None,
        path: str | None = None,
        method: str | None = None,
    ) -> dict[str, Any]:
        """Inject a fault ("500", "429", "slow", "drop") into the next count /v1 requests."""
        payload = {
            "mode": mode,
            "count": count,
            "delay_ms": delay_ms,
            "path": path,
            "method": method,
        }
        return self._call("POST", "/_sim/faults", payload)["fault"]

    def clear_faults(self) -> None:
        """Remove all injected faults."""
        self._call("DELETE", "/_sim/faults")

    def set_latency(self, ms: int) -> None:
        """Add ms milliseconds of latency to every /v1 request."""
        self._call("POST", "/_sim/config", {"latency_ms": ms})

    def requests(self) -> list[dict[str, Any]]:
        """The /v1 requests received since the last reset, oldest first."""
        return self._call("GET", "/_sim/requests")["data"]

    def clear_requests(self) -> None:
        """Empty the request log."""
        self._call("DELETE", "/_sim/requests")

    def sessions(self) -> list[dict[str, Any]]:
        """All stored Checkout Sessions, oldest first."""
        return self._call("GET", "/_sim/sessions")["data"]

    def complete(
        self, session_id: str, payment_status: str = "paid", after_expiry: bool = False
    ) -> dict[str, Any]:
        """Complete an open session as if paid ("unpaid": a delayed method); sends the event.

        `after_expiry=True` completes it even if expired: the payment won against an expire.
        """
        path = f"/_sim/sessions/{session_id}/complete"
        body = {"payment_status": payment_status, "after_expiry": after_expiry}
        return self._call("POST", path, body)

    def settle_async(self, session_id: str, result: str = "succeeded") -> dict[str, Any]:
        """Settle a delayed payment ("succeeded" or "failed"); sends the async_payment event."""
        return self._call("POST", f"/_sim/sessions/{session_id}/async", {"result": result})

    def expire(self, session_id: str) -> dict[str, Any]:
        """Expire an open session as if its time ran out; sends checkout.session.expired."""
        return self._call("POST", f"/_sim/sessions/{session_id}/expire")

    def events(self) -> list[dict[str, Any]]:
        """Delivery records of every event sent: id, type, session_id, attempts, last_status."""
        return self._call("GET", "/_sim/events")["data"]

    def event(self, event_id: str) -> dict[str, Any]:
        """One event exactly as it was sent (to deliver again, or in another order)."""
        return self._call("GET", f"/_sim/events/{event_id}")

    def resend(self, event_id: str) -> dict[str, Any]:
        """Deliver an event again (retrying in the background if that fails)."""
        return self._call("POST", f"/_sim/events/{event_id}/resend")

    def object(self, object_id: str) -> dict[str, Any]:
        """A payment intent, charge, refund or dispute as /v1 shows it (no API key needed)."""
        return self._call("GET", f"/_sim/objects/{object_id}")

    def dashboard_refund(self, intent_id: str, amount: int | None = None) -> dict[str, Any]:
        """Refund as if from Stripe's dashboard (no metadata of ours); sends the events."""
        path = f"/_sim/payment_intents/{intent_id}/refund"
        return self._call("POST", path, {"amount": amount} if amount is not None else {})

    def dispute(self, intent_id: str, outcome: str | None = None) -> dict[str, Any]:
        """Open a dispute on the payment (charge.dispute.created), closed if outcome is given."""
        body = {"outcome": outcome} if outcome else {}
        return self._call("POST", f"/_sim/payment_intents/{intent_id}/dispute", body)

    def refund_mode(self, status: str) -> None:
        """New refunds start "succeeded" (default, like cards) or "pending"."""
        self._call("PUT", "/_sim/refunds/mode", {"status": status})

    def settle_refund(self, refund_id: str, status: str) -> dict[str, Any]:
        """Settle a pending refund ("succeeded" or "failed"); sends refund.updated and more."""
        return self._call("POST", f"/_sim/refunds/{refund_id}/settle", {"status": status})

    def set_webhook(self, url: str | None, secret: str | None = None) -> None:
        """Send later events to url signed with secret (None: stop sending); reset restores."""
        self._call("PUT", "/_sim/webhook", {"url": url, "secret": secret})

    def reset(self) -> None:
        """Clear sessions, idempotency keys, faults and the log; restore the initial latency."""
        self._call("POST", "/_sim/reset")

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        response = requests.request(
            method, self.base_url + path, json=payload, timeout=self.timeout
        )
        response.raise_for_status()
        return response.json()
