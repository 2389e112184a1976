"""iCalendar (RFC 5545) files for the events a shopper bought tickets for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from checkout_app.db.order_view import OrderLine

STAMP = "%Y%m%dT%H%M%SZ"


def escape(value: str) -> str:
    """A TEXT value as RFC 5545 writes it: backslash, comma, semicolon and newline escaped."""
    for raw, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        value = value.replace(raw, escaped)
    return value


def event_ics(order_id: uuid.UUID, line: OrderLine, now: datetime | None = None) -> str:
    """One VEVENT for a ticket line of an order, its start in UTC; lines end with CRLF."""
    assert line.starts_at is not None
    starts = line.starts_at.astimezone(UTC)
    tickets = f"{line.quantity} ticket{'s' if line.quantity != 1 else ''}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//checkout_app//Course Shop//EN",
        "BEGIN:VEVENT",
        f"UID:{order_id}-{line.item_id}@checkout_app",
        f"DTSTAMP:{(now or datetime.now(UTC)).astimezone(UTC).strftime(STAMP)}",
        f"DTSTART:{starts.strftime(STAMP)}",
        f"SUMMARY:{escape(line.title)}",
        f"DESCRIPTION:{escape(f'{tickets}, order {order_id}')}",
        *([f"LOCATION:{escape(line.venue)}"] if line.venue else []),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
