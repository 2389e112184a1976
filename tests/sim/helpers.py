"""Request params shared by the simulator tests."""

from typing import Any

API_KEY = "sk_test_simulator_4242"


def session_params(**overrides: Any) -> dict[str, Any]:
    """Valid Checkout Session create params: 2 x 49.00 USD mug + 1 x 15.00 USD poster."""
    params: dict[str, Any] = {
        "mode": "payment",
        "success_url": "https://shop.test/success?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://shop.test/cart",
        "client_reference_id": "order-42",
        "customer_email": "buyer@example.com",
        "metadata": {"orderId": "42"},
        "line_items": [
            line(name="Mug", unit_amount=4900, quantity=2),
            line(name="Poster", unit_amount=1500, quantity=1),
        ],
    }
    params.update(overrides)
    return params


def line(
    name: str = "Mug", unit_amount: Any = 4900, quantity: Any = 1, currency: str = "usd"
) -> dict[str, Any]:
    """One price_data line item."""
    return {
        "quantity": quantity,
        "price_data": {
            "currency": currency,
            "unit_amount": unit_amount,
            "product_data": {"name": name},
        },
    }
