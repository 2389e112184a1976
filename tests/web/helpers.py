"""Helpers for page tests: CSRF tokens from the pages, form posts as a browser sends them."""

from __future__ import annotations

import re

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/") -> str:
    """The CSRF token a page embeds in its forms (GET it as a browser would)."""
    page = client.get(path)
    match = TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def post_form(client, path: str, data: dict | None = None, token_from: str = "/"):
    """POST a form with a valid CSRF token, without following the redirect."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, token_from)})


def add_to_cart(client, item_type: str, item_id, quantity: int | None = None):
    """Press "Add to cart" on the catalog page."""
    data = {"item_type": item_type, "item_id": str(item_id)}
    if quantity is not None:
        data["quantity"] = str(quantity)
    return post_form(client, "/cart/items", data)


def place_order(client, email: str | None):
    """Submit the checkout form."""
    return post_form(client, "/checkout", {} if email is None else {"email": email})


def text(response) -> str:
    return response.get_data(as_text=True)
