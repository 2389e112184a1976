"""Money, dates and order numbers for people, formatted by Babel in the shop's locale."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from babel.numbers import format_currency
from flask import current_app

from checkout_app.domain.event_time import event_when
from checkout_app.web import bp


@bp.app_template_filter("money")
def money(amount: Decimal, currency: str) -> str:
    """An amount as the shop's locale writes it: "$1,425.00", or "49,00 €" for de_DE."""
    return format_currency(amount, currency.upper(), locale=current_app.config["SHOP_LOCALE"])


@bp.app_template_filter("when")
def when(moment: datetime) -> str:
    """An event's date, time and zone in the shop's zone: "Tue, Dec 1, 2026, 7:00 PM UTC"."""
    config = current_app.config
    return event_when(moment, config["SHOP_LOCALE"], config["SHOP_TIMEZONE"])


@bp.app_template_filter("order_number")
def order_number(order_id: uuid.UUID) -> str:
    """A short order number a shopper can read out: the first eight hex digits, "1F3A-9C2E"."""
    digits = order_id.hex[:8].upper()
    return f"{digits[:4]}-{digits[4:]}"
