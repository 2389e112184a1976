"""The back office's query strings and forms, turned into what the services take."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from werkzeug.datastructures import MultiDict

from checkout_app import messages
from checkout_app.db.order_search import Cursor, OrderFilter
from checkout_app.domain.cart import MAX_QUANTITY
from checkout_app.domain.enums import REFUND_REASONS, ItemType, OrderStatus
from checkout_app.errors import InvalidInput, OrderNotFound, UnknownOrderLine
from checkout_app.services.refunds import RefundAsk


def _day(raw: str, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.combine(date.fromisoformat(raw), time(), UTC)
    except ValueError as exc:
        raise InvalidInput(messages.SEARCH_DATE_INVALID.format(field=name)) from exc


def order_filter(args: MultiDict[str, str]) -> OrderFilter:
    """The search box (email, order id, cs_/pi_ id), status and dates (UTC days, inclusive)."""
    query = args.get("q", "").strip()[:254]
    status = args.get("status", "")
    if status and status not in {s.value for s in OrderStatus}:
        raise InvalidInput(messages.SEARCH_STATUS_INVALID)
    until = _day(args.get("to", ""), "to")
    wanted = OrderFilter(
        status=status or None,
        created_from=_day(args.get("from", ""), "from"),
        created_before=until + timedelta(days=1) if until else None,
    )
    if not query:
        return wanted
    if query.startswith(("cs_", "pi_")):
        return OrderFilter(**{**wanted.__dict__, "stripe_id": query})
    if "@" in query:
        return OrderFilter(**{**wanted.__dict__, "email": query})
    try:
        return OrderFilter(**{**wanted.__dict__, "order_id": uuid.UUID(query)})
    except ValueError as exc:
        raise InvalidInput(messages.SEARCH_INVALID) from exc


def encode_cursor(cursor: Cursor) -> str:
    """An opaque `after` value for the next page's link."""
    raw = f"{cursor.created_at.isoformat()}|{cursor.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str) -> Cursor | None:
    """The cursor an `after` value names; None for the first page."""
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        created_at, _, order_id = raw.partition("|")
        return Cursor(datetime.fromisoformat(created_at), uuid.UUID(order_id))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput(messages.PAGE_CURSOR_INVALID) from exc


def order_id_of(raw: str) -> uuid.UUID:
    """The order id in a URL; 404 when it is not one."""
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise OrderNotFound() from exc


def refund_ask(form: MultiDict[str, str]) -> RefundAsk:
    """A refund form: nothing (all that is left), `amount`, or `item` with `quantity`."""
    reason = form.get("reason", "") or None
    if reason is not None and reason not in REFUND_REASONS:
        raise InvalidInput(messages.REFUND_REASON_INVALID.format(reasons=", ".join(REFUND_REASONS)))
    if form.get("amount", "").strip():
        return RefundAsk(amount=_amount(form["amount"]), reason=reason)
    if form.get("item"):
        return RefundAsk(items=[(_line(form["item"]), _quantity(form.get("quantity", "")))])
    return RefundAsk(reason=reason)


def _amount(raw: str) -> Decimal:
    try:
        amount = Decimal(raw.strip())
    except InvalidOperation as exc:
        raise InvalidInput(messages.REFUND_AMOUNT_FORM_INVALID) from exc
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:
        raise InvalidInput(messages.REFUND_AMOUNT_FORM_INVALID)
    return amount


def _line(raw: str) -> str:
    item_type, _, item_id = raw.partition(":")
    try:
        return f"{ItemType(item_type).value}:{uuid.UUID(item_id)}"
    except ValueError as exc:
        raise UnknownOrderLine() from exc


def _quantity(raw: str) -> int | None:
    if not raw.strip():
        return None
    if not raw.strip().isdigit() or not 1 <= int(raw) <= MAX_QUANTITY:
        raise InvalidInput(messages.QUANTITY_RANGE.format(maximum=MAX_QUANTITY))
    return int(raw)
