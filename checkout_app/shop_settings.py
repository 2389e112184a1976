"""The settings the services need, picked out of the validated config (checkout_app/config.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ShopSettings:
    """The settings the services need, free of Flask."""

    tax_rate: Decimal
    currency: str
    base_url: str
    redirect_origins: frozenset[str]
    stripe_timeout_seconds: int = 10
    stripe_max_retries: int = 2
    shop_locale: str = "en_US"
    shop_timezone: str = "UTC"
    max_tickets_per_order: int = 10
    seat_hold_limit: int = 10
    delayed_payment_hold_hours: int = 72
    checkout_expires_minutes: int = 30

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ShopSettings:
        """Pick the service settings out of a Flask config."""
        return cls(
            tax_rate=config["TAX_RATE"],
            currency=config["CURRENCY"],
            base_url=config["BASE_URL"],
            redirect_origins=config["REDIRECT_ORIGINS"],
            stripe_timeout_seconds=config["STRIPE_TIMEOUT_SECONDS"],
            stripe_max_retries=config["STRIPE_MAX_RETRIES"],
            shop_locale=config["SHOP_LOCALE"],
            shop_timezone=config["SHOP_TIMEZONE"],
            max_tickets_per_order=config["MAX_TICKETS_PER_ORDER"],
            seat_hold_limit=config["SEAT_HOLD_LIMIT"],
            delayed_payment_hold_hours=config["DELAYED_PAYMENT_HOLD_HOURS"],
            checkout_expires_minutes=config["CHECKOUT_EXPIRES_MINUTES"],
        )
