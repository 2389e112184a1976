"""Payment intents and charges of paid sessions, their refunds and disputes, Stripe-shaped."""

import time
from typing import Any

from .params import ParamError, read_integer, read_string, reject_unknown
from .sessions import random_id, read_metadata
from .state import SimState

REFUND_PARAMS = frozenset(
    {
        "amount",
        "charge",
        "currency",
        "customer",
        "expand",
        "instructions_email",
        "metadata",
        "origin",
        "payment_intent",
        "reason",
        "refund_application_fee",
        "reverse_transfer",
    }
)
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
Objects = dict[str, dict[str, Any]]


class Refused(Exception):
    """Stripe refuses the request: (status, code, message, param)."""

    def __init__(self, status: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.param = status, code, message, param


def record_payment(state: SimState, session: dict[str, Any]) -> None:
    """A paid session's payment intent and its succeeded charge."""
    intent_id, charge_id, now = session["payment_intent"], random_id("ch_", 24), int(time.time())
    amount, currency = session["amount_total"], session["currency"]
    common = {"amount": amount, "currency": currency, "created": now, "livemode": False}
    state.put(
        {
            **common,
            "id": intent_id,
            "object": "payment_intent",
            "amount_received": amount,
            "latest_charge": charge_id,
            "metadata": session.get("metadata") or {},
            "status": "succeeded",
        }
    )
    state.put(
        {
            **common,
            "id": charge_id,
            "object": "charge",
            "amount_captured": amount,
            "amount_refunded": 0,
            "captured": True,
            "disputed": False,
            "metadata": session.get("metadata") or {},
            "paid": True,
            "payment_intent": intent_id,
            "refunded": False,
            "status": "succeeded",
            "refunds": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/charges/{charge_id}/refunds",
            },
        }
    )


def read_refund_params(params: dict[str, Any]) -> dict[str, Any]:
    """Validate POST /v1/refunds params as Stripe does."""
    reject_unknown(params, REFUND_PARAMS)
    intent = read_string(params, "payment_intent", max_length=5000)
    charge = read_string(params, "charge", max_length=5000)
    if not intent and not charge:
        raise ParamError(
            "One of the following params should be provided for this request: "
            "payment_intent or charge.",
            None,
            "parameter_missing",
        )
    reason = read_string(params, "reason", max_length=5000)
    if reason is not None and reason not in REFUND_REASONS:
        raise ParamError(
            "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
            "reason",
        )
    return {
        "payment_intent": intent,
        "charge": charge,
        "amount": read_integer(params, "amount", minimum=1),
        "reason": reason,
        "metadata": read_metadata(params),
    }


def create_refund(state: SimState, wanted: dict[str, Any]) -> tuple[dict, dict]:
    """Refund (part of) a charge: returns (refund, charge) or raises Refused."""

    def change(objects: Objects) -> tuple[dict, dict]:
        charge = _charge(objects, wanted["payment_intent"], wanted["charge"])
        if charge["disputed"]:
            raise Refused(400, "charge_disputed", f"Charge {charge['id']} has been charged back.")
        left = charge["amount"] - charge["amount_refunded"]
        if left <= 0:
            message = f"Charge {charge['id']} has already been refunded."
            raise Refused(400, "charge_already_refunded", message)
        amount = wanted["amount"] or left
        if amount > left:
            message = (
                f"Refund amount ({_dollars(amount)}) is greater than unrefunded amount on "
                f"charge ({_dollars(left)})"
            )
            raise Refused(400, "amount_too_large", message, "amount")
        refund = {
            "id": random_id("re_", 24),
            "object": "refund",
            "amount": amount,
            "balance_transaction": None,
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "failure_reason": None,
            "metadata": wanted["metadata"] or {},
            "payment_intent": charge["payment_intent"],
            "reason": wanted["reason"],
            "receipt_number": None,
            "status": state.refund_status,
        }
        objects[refund["id"]] = refund
        charge["refunds"]["data"].insert(0, refund)
        charge["refunds"]["total_count"] += 1
        _add_refunded(charge, amount)
        return refund, charge

    return state.change(change)


def settle_refund(state: SimState, refund_id: str, status: str) -> tuple[dict, dict] | None:
    """Move a pending refund to succeeded or failed; None if it is not pending."""

    def change(objects: Objects) -> tuple[dict, dict] | None:
        refund = objects.get(refund_id)
        if refund is None or refund["object"] != "refund" or refund["status"] != "pending":
            return None
        charge = objects[refund["charge"]]
        refund["status"] = status
        if status == "failed":
            refund["failure_reason"] = "expired_or_canceled_card"
            _add_refunded(charge, -refund["amount"])
        for listed in charge["refunds"]["data"]:
            if listed["id"] == refund_id:
                listed.update(refund)
        return refund, charge

    return state.change(change)


def dispute(state: SimState, intent_id: str, outcome: str | None) -> tuple[dict, bool]:
    """Open a dispute on the intent's charge (if none) and close it with `outcome` if given."""

    def change(objects: Objects) -> tuple[dict, bool]:
        charge = _charge(objects, intent_id, None)
        found = [
            o for o in objects.values() if o["object"] == "dispute" and o["charge"] == charge["id"]
        ]
        opened = not found
        case = (
            found[0]
            if found
            else {
                "id": random_id("dp_", 24),
                "object": "dispute",
                "amount": charge["amount"] - charge["amount_refunded"],
                "charge": charge["id"],
                "created": int(time.time()),
                "currency": charge["currency"],
                "is_charge_refundable": False,
                "livemode": False,
                "metadata": {},
                "payment_intent": intent_id,
                "reason": "fraudulent",
                "status": "needs_response",
            }
        )
        objects[case["id"]] = case
        charge["disputed"] = True
        if outcome is not None:
            case["status"] = outcome
        return case, opened

    return state.change(change)


def _charge(objects: Objects, intent_id: str | None, charge_id: str | None) -> dict[str, Any]:
    if charge_id is None:
        intent = objects.get(intent_id or "")
        if intent is None or intent["object"] != "payment_intent":
            raise Refused(
                404, "resource_missing", f"No such payment_intent: '{intent_id}'", "payment_intent"
            )
        charge_id = intent["latest_charge"]
    charge = objects.get(charge_id or "")
    if charge is None or charge["object"] != "charge":
        raise Refused(404, "resource_missing", f"No such charge: '{charge_id}'", "charge")
    return charge


def _add_refunded(charge: dict[str, Any], amount: int) -> None:
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]


def _dollars(amount: int) -> str:
    return f"${amount / 100:.2f}"
