"""The JSON API blueprint: /api/cart and /api/checkout."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from checkout_app.api import cart, checkout, docs, orders, refunds, timeline, webhooks  # noqa: E402,F401  (routes register on bp)
