"""Prices a cart from catalog rows: line totals, subtotal, tax and total as Decimals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from checkout_app.domain.cart import Cart, CartKey
from checkout_app.domain.enums import ItemType
from checkout_app.domain.money import tax_for


@dataclass(frozen=True)
class CatalogEntry:
    """What the database says about one sellable item right now."""

    key: CartKey
    title: str
    price: Decimal
    for_sale: bool
    seats_left: int | None = None
    starts_at: datetime | None = None
    venue: str | None = None
    # Seats of this event the checking-out client already holds unpaid (SEAT_HOLD_LIMIT).
    held_by_holder: int = 0


class Availability(StrEnum):
    """Whether a cart line can be bought as it is, and if not, why."""

    AVAILABLE = "available"
    TOO_FEW_SEATS = "too_few_seats"  # the event has seats, fewer than the line asks for
    SOLD_OUT = "sold_out"
    OFF_SALE = "off_sale"  # withdrawn, or the event has started


def availability(entry: CatalogEntry, quantity: int) -> Availability:
    """Why a line of `quantity` of this item can or cannot be bought now."""
    if not entry.for_sale:
        return Availability.OFF_SALE
    if entry.seats_left is not None and entry.seats_left < 1:
        return Availability.SOLD_OUT
    if entry.seats_left is not None and entry.seats_left < quantity:
        return Availability.TOO_FEW_SEATS
    return Availability.AVAILABLE


@dataclass(frozen=True)
class PricedLine:
    key: CartKey
    title: str
    unit_price: Decimal
    quantity: int
    availability: Availability
    seats_left: int | None = None
    starts_at: datetime | None = None
    venue: str | None = None

    @property
    def available(self) -> bool:
        return self.availability is Availability.AVAILABLE

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class PricedCart:
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    tax: Decimal
    currency: str
    complete: bool

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax

    @property
    def sellable(self) -> bool:
        """Every cart line still exists, is for sale, and has the seats it asks for."""
        return self.complete and all(line.available for line in self.lines)

    @property
    def seats_keys(self) -> frozenset[CartKey]:
        """The cart keys of its event lines."""
        return frozenset(ln.key for ln in self.lines if ln.key.item_type is ItemType.EVENT)

    @property
    def seats_wanted(self) -> dict[uuid.UUID, int]:
        """Attendees per event in this cart."""
        return {
            line.key.item_id: line.quantity
            for line in self.lines
            if line.key.item_type is ItemType.EVENT
        }


def price_cart(
    cart: Cart, catalog: dict[CartKey, CatalogEntry], tax_rate: Decimal, currency: str
) -> PricedCart:
    """Price every line from the catalog; lines whose item is gone are left out."""
    lines = []
    for line in cart.lines:
        entry = catalog.get(line.key)
        if entry is None:
            continue
        lines.append(
            PricedLine(
                line.key,
                entry.title,
                entry.price,
                line.quantity,
                availability(entry, line.quantity),
                None if entry.seats_left is None else max(entry.seats_left, 0),
                entry.starts_at,
                entry.venue,
            )
        )
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    return PricedCart(
        lines=tuple(lines),
        subtotal=subtotal,
        tax=tax_for(subtotal, tax_rate),
        currency=currency,
        complete=len(lines) == len(cart.lines),
    )
