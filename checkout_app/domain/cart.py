"""Cart values and rules: keys, lines, quantity limits and shopper session ids.

Session ids are sealed with SECRET_KEY rather than listed in Redis: checking one costs no
round trip, a client cannot make one up (so a planted or guessed id is simply ignored), and a
real session whose cart expired is still recognised, so checkout keeps answering the
contract's 404 "Cart not found or expired" for it instead of 401. Changing SECRET_KEY ends
every session (shoppers start new carts).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
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
# A session id is a random token and its HMAC, both unpadded base64url of 32 bytes.
TOKEN_LENGTH = 43
SESSION_ID_LENGTH = 2 * TOKEN_LENGTH


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


def _seal(secret: str, token: str) -> str:
    mac = hmac.new(secret.encode(), b"session_id:" + token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def new_session_id(secret: str) -> str:
    """A fresh session id: 256 random bits, sealed with an HMAC of `secret` (URL-safe)."""
    token = secrets.token_urlsafe(32)
    return token + _seal(secret, token)


def has_session_shape(value: str | None) -> bool:
    """Whether a value looks like a session id (the http layer has checked its seal)."""
    return bool(value) and SESSION_ID_PATTERN.fullmatch(value) is not None


def is_session_id(value: str | None, secret: str) -> bool:
    """Whether a cookie value is a session id issued with `secret` (a client cannot make one)."""
    if not has_session_shape(value) or len(value) != SESSION_ID_LENGTH:  # type: ignore[arg-type]
        return False
    token, seal = value[:TOKEN_LENGTH], value[TOKEN_LENGTH:]
    return hmac.compare_digest(seal, _seal(secret, token))


def session_hash(session_id: str) -> str:
    """The sha256 hex of a session id: the only form stored in Redis keys and orders."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def check_quantity(item_type: ItemType, quantity: int) -> None:
    """Enforce the quantity rules: 1..99, and exactly 1 for courses and digital products."""
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(messages.QUANTITY_RANGE.format(maximum=MAX_QUANTITY))
    if item_type in SINGLE_QUANTITY_TYPES and quantity != 1:
        raise InvalidInput(messages.QUANTITY_SINGLE.format(item=item_type.value.replace("_", " ")))
