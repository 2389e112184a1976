"""Money helpers: Decimal amounts, half-up rounding, integer minor units for Stripe."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# Stripe counts these currencies in whole units: no minor unit exists.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"}
    | {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)


def to_cents(amount: Decimal) -> Decimal:
    """Round an amount half-up to two decimals."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def tax_for(subtotal: Decimal, rate: Decimal) -> Decimal:
    """Tax on a subtotal at a fractional rate, half-up to cents."""
    return to_cents(subtotal * rate)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """The integer amount Stripe expects (cents for USD, yen for JPY)."""
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        whole = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if whole != amount:
            raise ValueError(f"{amount} has a fraction; {currency} has no minor unit")
        return int(whole)
    cents = to_cents(amount)
    if cents != amount:
        raise ValueError(f"{amount} has more than two decimals")
    return int(cents * 100)


def format_amount(amount: Decimal) -> str:
    """An amount as the JSON string the API speaks, e.g. "49.00"."""
    return f"{to_cents(amount):.2f}"


def from_minor_units(amount: int, currency: str) -> Decimal:
    """An amount Stripe gave in minor units as a Decimal (12.50 for 1250 cents)."""
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        return Decimal(amount).quantize(CENT)
    return (Decimal(amount) / 100).quantize(CENT)
