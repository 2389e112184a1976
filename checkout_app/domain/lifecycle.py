"""The order state machine: which status may follow which."""

from __future__ import annotations

from checkout_app.domain.enums import OrderStatus

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED}),
    OrderStatus.COMPLETED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
}


def can_move(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether an order in `current` may become `target`."""
    return target in TRANSITIONS[current]
