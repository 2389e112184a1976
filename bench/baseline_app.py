"""The baseline: what Stripe's sample servers do, and nothing else.

One route that creates a Checkout Session through the stripe SDK against the same simulator the
app uses: no database, no Redis, no validation, no rate limits, no request log. Served by the
same `gunicorn -c gunicorn.conf.py` with the same environment as the app, so the difference in
the figures is the app's own work. `gunicorn -c gunicorn.conf.py bench.baseline_app:app`.
"""

from __future__ import annotations

import os

import stripe
from flask import Flask, jsonify

app = Flask(__name__)
client = stripe.StripeClient(
    os.environ.get("STRIPE_SECRET_KEY", "sk_test_baseline"),
    base_addresses={"api": os.environ.get("STRIPE_API_BASE", "http://127.0.0.1:12111")},
    http_client=stripe.RequestsClient(timeout=10),
    max_network_retries=2,
)
BASE_URL = os.environ.get("BASE_URL", "http://localhost:5000")


@app.post("/api/checkout/create-session")
def create_session():
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 4900,
                        "product_data": {"name": "Python Foundations"},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": f"{BASE_URL}/checkout/success?session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{BASE_URL}/checkout/cancel",
        }
    )
    return jsonify(sessionId=session.id, sessionUrl=session.url)
