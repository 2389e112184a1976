"""Form posts of the pages, turned into what the cart use cases take."""

from __future__ import annotations

import re
import uuid
from typing import Any

from werkzeug.datastructures import MultiDict

from checkout_app.api.schemas import AddItemSchema, QuantitySchema, load
from checkout_app.domain.cart import CartKey
from checkout_app.domain.enums import ItemType
from checkout_app.errors import ItemNotFound

WHOLE_NUMBER = re.compile(r"\s*\d{1,6}\s*")


def whole_number(raw: str | None) -> Any:
    """Digits as an int; anything else unchanged, for the schema to refuse with its message."""
    return int(raw) if raw is not None and WHOLE_NUMBER.fullmatch(raw) else raw


def item_to_add(form: MultiDict[str, str]) -> tuple[CartKey, int]:
    """The item and quantity of an "Add to cart" form (quantity 1 when the form has none)."""
    body = {"itemType": form.get("item_type"), "itemId": form.get("item_id")}
    if "quantity" in form:
        body["quantity"] = whole_number(form.get("quantity"))
    fields = load(AddItemSchema(), body, ("itemType", "itemId", "quantity"))
    return CartKey(fields["item_type"], fields["item_id"]), fields["quantity"]


def new_quantity(form: MultiDict[str, str]) -> int:
    """The quantity of a "change quantity" form."""
    body = {"quantity": whole_number(form.get("quantity"))} if "quantity" in form else {}
    return load(QuantitySchema(), body, ("quantity",))["quantity"]


def line_key(item_type: str, item_id: str) -> CartKey:
    """The cart line named in a URL; 404 when it cannot name one."""
    try:
        return CartKey(ItemType(item_type), uuid.UUID(item_id))
    except ValueError as exc:
        raise ItemNotFound() from exc


def posted_key(field: str | None) -> CartKey | None:
    """The item a form or link names as "type:id"; None when it names none."""
    try:
        return CartKey.from_field(field) if field else None
    except ValueError:
        return None
