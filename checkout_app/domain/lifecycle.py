"""The order state machine: which status may follow which, and the guard every change passes."""

from __future__ import annotations

from checkout_app.domain.enums import OrderStatus
from checkout_app.errors import InvalidTransition

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED}),
    OrderStatus.COMPLETED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset(),
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
