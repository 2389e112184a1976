"""What happens to a Checkout Session after it is created, each change announced by an event."""

from typing import Any

from .payments import record_payment
from .sessions import random_id
from .state import SimState
from .webhooks import WebhookSender

Outcome = tuple[dict[str, Any] | None, bool]


def is_open(session: dict[str, Any]) -> bool:
    """Whether the shopper can still pay or cancel."""
    return session["status"] == "open"


def awaits_async_payment(session: dict[str, Any]) -> bool:
    """Completed with a delayed payment method whose outcome is not known yet."""
    return session["status"] == "complete" and session["payment_status"] == "unpaid"


def complete(
    state: SimState,
    webhooks: WebhookSender,
    session_id: str,
    payment_status: str = "paid",
    after_expiry: bool = False,
) -> Outcome:
    """Complete an open session (unpaid: a delayed method) and send checkout.session.completed.

    `after_expiry`: the shopper's payment went through while the app's expire was in flight,
    so it wins over an expiry already recorded (the race issue 17 settles).
    """
    session, changed = state.update_session(
        session_id,
        (lambda s: s["status"] in ("open", "expired")) if after_expiry else is_open,
        status="complete",
        payment_status=payment_status,
        payment_intent=random_id("pi_", 24),
    )
    if changed and session is not None:
        if payment_status == "paid":
            record_payment(state, session)
        webhooks.emit("checkout.session.completed", session)
    return session, changed


def settle_async(
    state: SimState, webhooks: WebhookSender, session_id: str, succeeded: bool
) -> Outcome:
    """Report a delayed payment's outcome: async_payment_succeeded (now paid) or _failed."""
    changes = {"payment_status": "paid"} if succeeded else {}
    session, changed = state.update_session(session_id, awaits_async_payment, **changes)
    if changed and session is not None:
        if succeeded:
            record_payment(state, session)
        result = "succeeded" if succeeded else "failed"
        webhooks.emit(f"checkout.session.async_payment_{result}", session)
    return session, changed


def expire(state: SimState, webhooks: WebhookSender, session_id: str) -> Outcome:
    """Expire an open session and send checkout.session.expired."""
    session, changed = state.expire_session(session_id)
    if changed and session is not None:
        webhooks.emit("checkout.session.expired", session)
    return session, changed
