"""`Authorization: Bearer ...`: the identity token of a shop's user, or the support token."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None for any other form."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def is_support() -> bool:
    """Whether the request carries SUPPORT_API_TOKEN as its bearer token (constant time)."""
    expected = current_app.config["SUPPORT_API_TOKEN"]
    given = bearer_token()
    if not expected or given is None:
        return False
    # Digests of equal length: the comparison leaks neither content nor length.
    return hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    )
