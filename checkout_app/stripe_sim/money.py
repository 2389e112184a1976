"""/v1 refunds, payment intents and charges, and the /_sim controls for refunds and disputes."""

from typing import Any

from flask import Flask, Response, g, request

from . import payments
from .api import idempotent
from .params import ParamError
from .responses import error_response, json_response, param_error_response
from .state import SimState
from .webhooks import WebhookSender


def register_money(app: Flask, state: SimState, webhooks: WebhookSender) -> None:
    """Add the refund, payment intent and charge routes and their test controls."""

    def session_of(intent_id: str) -> str | None:
        return next(
            (s["id"] for s in state.sessions() if s.get("payment_intent") == intent_id), None
        )

    def announce_refund(refund: dict[str, Any], charge: dict[str, Any], kind: str) -> None:
        session_id = session_of(refund["payment_intent"])
        webhooks.emit(kind, refund, session_id)
        if refund["status"] == "succeeded":
            webhooks.emit("charge.refunded", charge, session_id)
        if refund["status"] == "failed":
            webhooks.emit("refund.failed", refund, session_id)

    def refund_now(wanted: dict[str, Any]) -> Response:
        try:
            refund, charge = payments.create_refund(state, wanted)
        except payments.Refused as refused:
            return error_response(
                refused.status,
                "invalid_request_error",
                refused.message,
                refused.code,
                refused.param,
            )
        g.created_refund = (refund, charge)
        return json_response(refund)

    def announce_created() -> None:
        # Sent once the idempotency lock is released: the receiver may call us back.
        created = g.pop("created_refund", None)
        if created is not None:
            announce_refund(*created, "refund.created")

    @app.post("/v1/refunds")
    def create_refund() -> Response:
        try:
            wanted = payments.read_refund_params(g.params)
        except ParamError as error:
            return param_error_response(error)
        response = idempotent(state, lambda: refund_now(wanted))
        announce_created()
        return response

    @app.get("/v1/refunds/<refund_id>")
    def retrieve_refund(refund_id: str) -> Response:
        return _found(state.get(refund_id, "refund"), "refund", refund_id)

    @app.get("/v1/payment_intents/<intent_id>")
    def retrieve_intent(intent_id: str) -> Response:
        return _found(state.get(intent_id, "payment_intent"), "payment_intent", intent_id)

    @app.get("/v1/charges/<charge_id>")
    def retrieve_charge(charge_id: str) -> Response:
        return _found(state.get(charge_id, "charge"), "charge", charge_id)

    @app.get("/_sim/objects/<object_id>")
    def inspect_object(object_id: str) -> Response:
        kinds = ("payment_intent", "charge", "refund", "dispute")
        found = next((o for o in (state.get(object_id, k) for k in kinds) if o), None)
        return _found(found, "object", object_id)

    @app.post("/_sim/payment_intents/<intent_id>/refund")
    def dashboard_refund(intent_id: str) -> Response:
        body = request.get_json(silent=True)
        amount = body.get("amount") if isinstance(body, dict) else None
        if amount is not None and (not isinstance(amount, int) or amount < 1):
            return error_response(400, "invalid_request_error", 'Body must be {"amount"?: <int>}.')
        wanted = {
            "payment_intent": intent_id,
            "charge": None,
            "amount": amount,
            "reason": "requested_by_customer",
            "metadata": {},
        }
        response = refund_now(wanted)
        announce_created()
        return response

    @app.post("/_sim/refunds/<refund_id>/settle")
    def settle_refund(refund_id: str) -> Response:
        body = request.get_json(silent=True)
        status = body.get("status") if isinstance(body, dict) else None
        if status not in ("succeeded", "failed"):
            message = 'Body must be {"status": "succeeded" | "failed"}.'
            return error_response(400, "invalid_request_error", message)
        settled = payments.settle_refund(state, refund_id, status)
        if settled is None:
            return error_response(400, "invalid_request_error", "No pending refund with that id.")
        announce_refund(*settled, "refund.updated")
        return json_response(settled[0])

    @app.put("/_sim/refunds/mode")
    def refund_mode() -> Response:
        body = request.get_json(silent=True)
        status = body.get("status") if isinstance(body, dict) else None
        if status not in ("succeeded", "pending"):
            message = 'Body must be {"status": "succeeded" | "pending"}.'
            return error_response(400, "invalid_request_error", message)
        state.refund_status = status
        return json_response({"status": status})

    @app.post("/_sim/payment_intents/<intent_id>/dispute")
    def open_dispute(intent_id: str) -> Response:
        body = request.get_json(silent=True)
        outcome = body.get("outcome") if isinstance(body, dict) else None
        if outcome not in (None, "won", "lost"):
            message = 'Body must be {"outcome"?: "won" | "lost"}.'
            return error_response(400, "invalid_request_error", message)
        try:
            case, opened = payments.dispute(state, intent_id, outcome)
        except payments.Refused as refused:
            return error_response(refused.status, "invalid_request_error", refused.message)
        session_id = session_of(intent_id)
        if opened:
            webhooks.emit(
                "charge.dispute.created", {**case, "status": "needs_response"}, session_id
            )
        if outcome is not None:
            webhooks.emit("charge.dispute.closed", case, session_id)
        return json_response(case)


def _found(obj: dict[str, Any] | None, kind: str, object_id: str) -> Response:
    if obj is None:
        message = f"No such {kind}: '{object_id}'"
        return error_response(404, "invalid_request_error", message, "resource_missing", "id")
    return json_response(obj)
