"""The order state machine: which status may follow which, and the guard every change passes."""

from __future__ import annotations

from checkout_app.domain.enums import OrderStatus
from checkout_app.errors import InvalidTransition

PAID = frozenset({OrderStatus.COMPLETED, OrderStatus.PARTIALLY_REFUNDED})
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED}),
    OrderStatus.COMPLETED: frozenset(
        {OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED, OrderStatus.DISPUTED}
    ),
    OrderStatus.PARTIALLY_REFUNDED: frozenset(
        {OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED, OrderStatus.DISPUTED}
    ),
    # A won dispute returns the order to what it was; a lost one leaves it disputed (flagged).
    OrderStatus.DISPUTED: frozenset({OrderStatus.COMPLETED, OrderStatus.PARTIALLY_REFUNDED}),
    # Money that arrives after we cancelled: delivered after all, or given back in full.
    OrderStatus.CANCELLED: frozenset({OrderStatus.COMPLETED, OrderStatus.REFUNDED}),
    OrderStatus.REFUNDED: frozenset(),
}


def can_move(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether an order in `current` may become `target`."""
    return target in TRANSITIONS[current]


def check_move(current: OrderStatus, target: OrderStatus) -> None:
    """InvalidTransition (409) unless an order in `current` may become `target`."""
    if not can_move(current, target):
        raise InvalidTransition(detail=f"{current.value} -> {target.value}")


def check_pending(current: OrderStatus, change: str) -> None:
    """InvalidTransition unless the order is still pending (awaiting a payment, for one)."""
    if current is not OrderStatus.PENDING:
        raise InvalidTransition(detail=f"{change} while {current.value}")


def after_refunds(total_paid_minor: int, refunded_minor: int) -> OrderStatus:
    """The status of a paid order once `refunded_minor` of its money went back."""
    if refunded_minor <= 0:
        return OrderStatus.COMPLETED
    if refunded_minor >= total_paid_minor:
        return OrderStatus.REFUNDED
    return OrderStatus.PARTIALLY_REFUNDED
