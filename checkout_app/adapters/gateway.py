"""StripeGateway: the Stripe calls, through the stripe SDK. Stripe errors stop here."""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from dataclasses import dataclass
from typing import Any

import stripe

from checkout_app import messages
from checkout_app.adapters.stripe_events import (
    finite_float,
    is_event,
    refuse_constant,
    signed_at,
)
from checkout_app.adapters.stripe_http import http_client
from checkout_app.adapters.stripe_objects import (
    NotAStripeObject,
    StripeCharge,
    StripeDispute,
    StripeRefund,
    charge_of,
    dispute_of,
    refund_of,
)
from checkout_app.adapters.stripe_params import SessionRequest, idempotency_key, line_items
from checkout_app.config import EXPIRY_SLACK_SECONDS
from checkout_app.errors import (
    InvalidWebhook,
    PaymentUnavailable,
    RefundDeclined,
    WebhooksNotConfigured,
)

log = logging.getLogger(__name__)
# Stripe's own default: a signed event older than this is refused as a possible replay.
WEBHOOK_TOLERANCE_SECONDS = 300
SESSIONS = "/v1/checkout/sessions"


@dataclass(frozen=True)
class CheckoutSession:
    """The parts of a Stripe Checkout Session the app uses."""

    id: str
    url: str | None
    status: str | None
    payment_status: str | None
    amount_total: int | None
    currency: str | None
    payment_intent_id: str | None
    order_reference: str | None = None
    client_reference_id: str | None = None
    expires_at: int | None = None


@dataclass(frozen=True)
class WebhookEvent:
    """A verified Stripe event with its object: a session, charge, refund or dispute."""

    id: str
    type: str
    payload: dict[str, Any]
    session: CheckoutSession | None
    charge: StripeCharge | None = None
    refund: StripeRefund | None = None
    dispute: StripeDispute | None = None


@dataclass(frozen=True)
class RefundRequest:
    refund_id: uuid.UUID
    order_id: uuid.UUID
    payment_intent_id: str
    amount: int  # minor units
    reason: str | None


class StripeGateway:
    """Creates, reads and expires Checkout Sessions through stripe.StripeClient."""

    def __init__(
        self,
        api_key: str | None,
        *,
        api_base: str | None = None,
        timeout_seconds: float = 10,
        max_retries: int = 2,
        expires_minutes: int = 30,
        webhook_secret: str | None = None,
    ) -> None:
        self.expires_minutes = expires_minutes
        self.webhook_secret = webhook_secret
        self.client: stripe.StripeClient | None = None
        if api_key:
            self.client = stripe.StripeClient(
                api_key,
                base_addresses={"api": api_base} if api_base else None,
                http_client=http_client(timeout_seconds, api_base),
                max_network_retries=max_retries,
            )

    def session_params(self, request: SessionRequest) -> dict[str, Any]:
        """The create's parameters; a replay under the same idempotency key must send these."""
        return {
            "mode": "payment",
            "line_items": line_items(request.cart, request.locale, request.timezone),
            "customer_email": request.customer_email,
            "client_reference_id": str(request.order_id),
            "metadata": {"orderId": str(request.order_id)},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            # The slack keeps a configured 30 minutes valid after network and clock drift.
            "expires_at": math.ceil(time.time()) + self.expires_minutes * 60 + EXPIRY_SLACK_SECONDS,
        }

    def create_checkout_session(
        self, order_id: uuid.UUID, params: dict[str, Any]
    ) -> CheckoutSession:
        """Create (or, for a repeated order id, get back) an order's session; any failure raises
        PaymentUnavailable."""
        key = idempotency_key(order_id)
        # raw_request: the same request, retries and errors as `sessions.create`, answered as
        # the parsed JSON; building a StripeObject of every field cost more CPU than the read.
        answer = self._call(
            lambda c: c.raw_request("post", SESSIONS, idempotency_key=key, **params)
        )
        session = _session(answer.data)
        if not session.url:
            # Nowhere to send the shopper: as good as no session at all.
            raise PaymentUnavailable(detail=f"Stripe answered session {session.id} without a url")
        return session

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        """Read a session's current state from Stripe."""
        return _session(self._call(lambda c: c.v1.checkout.sessions.retrieve(session_id)))

    def expire_checkout_session(self, session_id: str) -> bool:
        """Expire a session nobody should pay any more; failures are logged, not raised."""
        try:
            self._call(lambda c: c.v1.checkout.sessions.expire(session_id))
        except PaymentUnavailable as exc:
            log.warning("could not expire checkout session %s: %s", session_id, exc.detail)
            return False
        return True

    def create_refund(self, request: RefundRequest) -> StripeRefund:
        """Ask Stripe for a refund keyed by our refund row; a refusal raises RefundDeclined."""
        params: dict[str, Any] = {
            "payment_intent": request.payment_intent_id,
            "amount": request.amount,
            "metadata": {"orderId": str(request.order_id), "refundId": str(request.refund_id)},
        }
        if request.reason:
            params["reason"] = request.reason
        options = {"idempotency_key": f"refund-{request.refund_id}"}
        try:
            refund = self._call(lambda c: c.v1.refunds.create(params, options))
        except PaymentUnavailable as exc:
            if isinstance(exc.__cause__, stripe.InvalidRequestError):
                raise RefundDeclined(detail=exc.detail) from exc
            raise
        return refund_of(refund.to_dict())

    def parse_event(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """Verify a webhook's Stripe-Signature (300 s tolerance) and read the event."""
        if not self.webhook_secret:
            raise WebhooksNotConfigured(detail="STRIPE_WEBHOOK_SECRET is not set")
        try:
            text = payload.decode("utf-8")
            stripe.WebhookSignature.verify_header(
                text, signature, self.webhook_secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except (UnicodeDecodeError, stripe.SignatureVerificationError) as exc:
            raise InvalidWebhook(detail=str(exc)) from exc
        if signed_at(signature or "") > time.time() + WEBHOOK_TOLERANCE_SECONDS:
            # Stripe's check only refuses old events; one dated ahead could be replayed later.
            raise InvalidWebhook(detail="timestamp in the future")
        try:
            data = json.loads(text, parse_constant=refuse_constant, parse_float=finite_float)
        except (ValueError, RecursionError) as exc:
            raise InvalidWebhook(messages.INVALID_WEBHOOK_PAYLOAD, detail=str(exc)) from exc
        # PostgreSQL text and JSONB cannot hold NUL characters; Stripe never sends them.
        if not is_event(data) or "\\u0000" in text:
            raise InvalidWebhook(messages.INVALID_WEBHOOK_PAYLOAD, detail="not a Stripe event")
        obj = data["data"]["object"]
        kind = obj.get("object")
        try:
            return WebhookEvent(
                id=data["id"],
                type=data["type"],
                payload=data,
                session=_session(obj) if kind == "checkout.session" else None,
                charge=charge_of(obj) if kind == "charge" else None,
                refund=refund_of(obj) if kind == "refund" else None,
                dispute=dispute_of(obj) if kind == "dispute" else None,
            )
        except NotAStripeObject as exc:
            raise InvalidWebhook(messages.INVALID_WEBHOOK_PAYLOAD, detail=str(exc)) from exc

    def _call(self, action: Any) -> Any:
        if self.client is None:
            raise PaymentUnavailable(detail="STRIPE_SECRET_KEY is not set")
        try:
            return action(self.client)
        except stripe.StripeError as exc:
            raise PaymentUnavailable(detail=f"{type(exc).__name__}: {exc}") from exc


def _session(obj: Any) -> CheckoutSession:
    data = obj if isinstance(obj, dict) else obj.to_dict()
    intent = data.get("payment_intent")
    metadata = data.get("metadata") or {}
    return CheckoutSession(
        id=data["id"],
        url=data.get("url"),
        status=data.get("status"),
        payment_status=data.get("payment_status"),
        amount_total=data.get("amount_total"),
        currency=data.get("currency"),
        payment_intent_id=intent.get("id") if isinstance(intent, dict) else intent,
        order_reference=metadata.get("orderId") if isinstance(metadata, dict) else None,
        client_reference_id=data.get("client_reference_id"),
        expires_at=data.get("expires_at"),
    )
