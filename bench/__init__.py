"""Checkout benchmark: the app and a bare Stripe baseline under the same load (issue 6)."""
