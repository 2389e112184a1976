"""Cart values and rules: keys, lines, quantity limits and shopper session ids."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass

from checkout_app import messages
from checkout_app.domain.enums import ItemType
from checkout_app.errors import InvalidInput

MAX_QUANTITY = 99
SINGLE_QUANTITY_TYPES = frozenset({ItemType.COURSE, ItemType.DIGITAL_PRODUCT})
SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


@dataclass(frozen=True, order=True)
class CartKey:
    item_type: ItemType
    item_id: uuid.UUID

    @property
    def field(self) -> str:
        return f"{self.item_type.value}:{self.item_id}"

    @classmethod
    def from_field(cls, field: str) -> CartKey:
        item_type, item_id = field.split(":", 1)
        return cls(ItemType(item_type), uuid.UUID(item_id))


@dataclass(frozen=True)
class CartLine:
    key: CartKey
    quantity: int


@dataclass(frozen=True)
class Cart:
    session_id: str
    lines: tuple[CartLine, ...]

    @property
    def keys(self) -> list[CartKey]:
        return [line.key for line in self.lines]


def new_session_id() -> str:
    """A fresh opaque session token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def is_session_id(value: str | None) -> bool:
    """Whether a cookie value has the shape of a session id we issued."""
    return bool(value) and SESSION_ID_PATTERN.fullmatch(value) is not None


def session_hash(session_id: str) -> str:
    """The sha256 hex of a session id: the only form stored in Redis keys and orders."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def check_quantity(item_type: ItemType, quantity: int) -> None:
    """Enforce the quantity rules: 1..99, and exactly 1 for courses and digital products."""
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(messages.QUANTITY_RANGE.format(maximum=MAX_QUANTITY))
    if item_type in SINGLE_QUANTITY_TYPES and quantity != 1:
        raise InvalidInput(messages.QUANTITY_SINGLE.format(item=item_type.value.replace("_", " ")))
