"""A local Stripe-compatible HTTP server for Checkout Sessions, for development and tests."""

from .app import create_sim_app
from .server import SimServer

__all__ = ["SimServer", "create_sim_app"]
