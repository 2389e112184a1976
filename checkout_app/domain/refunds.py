"""What a refund gives back: the amount and the lines, from what was paid and refunded so far."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from checkout_app import messages
from checkout_app.domain.money import to_cents
from checkout_app.errors import (
    InvalidInput,
    LineOverRefunded,
    OrderFullyRefunded,
    RefundTooLarge,
    UnknownOrderLine,
)


@dataclass(frozen=True)
class PaidLine:
    """An order line as a refund sees it; `refunded` counts pending and succeeded refunds."""

    order_item_id: uuid.UUID
    key: str  # "event:<item id>", as the API and CLI name lines
    unit_price: Decimal
    quantity: int
    refunded: int

    @property
    def left(self) -> int:
        return self.quantity - self.refunded


@dataclass(frozen=True)
class Paid:
    """An order's money: what was paid, what is already refunded or promised, and its lines."""

    subtotal: Decimal
    tax: Decimal
    total: Decimal
    refunded: Decimal
    lines: tuple[PaidLine, ...]

    @property
    def left(self) -> Decimal:
        return self.total - self.refunded


@dataclass(frozen=True)
class RefundPlan:
    amount: Decimal
    lines: tuple[tuple[uuid.UUID, int, Decimal], ...]  # (order item id, quantity, amount)


def plan_refund(
    paid: Paid, amount: Decimal | None, asked: list[tuple[str, int | None]] | None
) -> RefundPlan:
    """The refund to make: everything left, an amount, or lines (key, quantity or all left)."""
    if paid.left <= 0:
        raise OrderFullyRefunded()
    if amount is not None and asked:
        raise InvalidInput(messages.REFUND_AMOUNT_OR_ITEMS)
    if amount is not None:
        if amount > paid.left:
            raise RefundTooLarge()
        return RefundPlan(amount, _all_left(paid) if amount == paid.left else ())
    if not asked:
        return RefundPlan(paid.left, _all_left(paid))
    by_key = {line.key: line for line in paid.lines}
    chosen: dict[str, int] = {}
    for key, quantity in asked:
        line = by_key.get(key)
        if line is None:
            raise UnknownOrderLine()
        chosen[key] = chosen.get(key, 0) + (quantity or line.left)
        if chosen[key] > line.left or line.left == 0:
            raise LineOverRefunded()
    lines = tuple(
        (by_key[key].order_item_id, n, _line_amount(paid, by_key[key], n))
        for key, n in chosen.items()
    )
    total = sum((line[2] for line in lines), Decimal("0.00"))
    everything = all(chosen.get(line.key, 0) == line.left for line in paid.lines)
    if everything or total > paid.left:
        # The last lines take what is left, so rounded tax shares never leave a cent behind.
        if total > paid.left and not everything:
            raise RefundTooLarge()
        total = paid.left
    return RefundPlan(total, lines)


def _all_left(paid: Paid) -> tuple[tuple[uuid.UUID, int, Decimal], ...]:
    return tuple(
        (line.order_item_id, line.left, _line_amount(paid, line, line.left))
        for line in paid.lines
        if line.left > 0
    )


def _line_amount(paid: Paid, line: PaidLine, quantity: int) -> Decimal:
    """The line's price for `quantity` units plus its share of the order's tax."""
    net = line.unit_price * quantity
    share = to_cents(paid.tax * net / paid.subtotal) if paid.subtotal > 0 else Decimal("0.00")
    return to_cents(net + share)
