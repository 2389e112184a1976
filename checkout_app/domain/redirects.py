"""Where Stripe may send a shopper back to: absolute http(s) URLs on allowed hosts only."""

from __future__ import annotations

from urllib.parse import urlsplit

from checkout_app import messages
from checkout_app.errors import InvalidInput

MAX_URL_LENGTH = 2048


def is_allowed(url: object, allowed_hosts: frozenset[str]) -> bool:
    """Whether `url` is an absolute http(s) URL whose host is allowed."""
    if not isinstance(url, str) or not 0 < len(url) <= MAX_URL_LENGTH:
        return False
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host) and host in allowed_hosts


def resolve(url: object, default: str, field: str, allowed_hosts: frozenset[str]) -> str:
    """The given URL when allowed, the default when none was given; else 400 naming the field."""
    if url is None:
        return default
    if not is_allowed(url, allowed_hosts):
        raise InvalidInput(messages.INVALID_REDIRECT.format(field=field))
    return url  # type: ignore[return-value]
