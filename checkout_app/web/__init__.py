"""The shop's own HTML pages: catalog, cart, checkout form, success and cancel (Jinja)."""

from flask import Blueprint
from flask_wtf.csrf import CSRFProtect

bp = Blueprint("web", __name__)
csrf = CSRFProtect()

from checkout_app.web import checkout, formatting, headers, orders, shop  # noqa: E402,F401  (routes and hooks register on bp)
