"""The shop's own HTML pages: catalog, cart, checkout form, success and cancel (Jinja)."""

from decimal import Decimal

from flask import Blueprint
from flask_wtf.csrf import CSRFProtect

from checkout_app.domain.money import format_amount

bp = Blueprint("web", __name__)
csrf = CSRFProtect()


@bp.app_template_filter("money")
def money(amount: Decimal, currency: str) -> str:
    """An amount for people: "49.00 USD"."""
    return f"{format_amount(amount)} {currency.upper()}"


from checkout_app.web import checkout, headers, shop  # noqa: E402,F401  (routes and hooks register on bp)
