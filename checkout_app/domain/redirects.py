"""Where Stripe may send a shopper back to: URLs a browser reads as one of the shop's origins.

Python and browsers disagree on odd URLs (`http://evil.com\\@shop/` is evil.com to a browser,
shop to urlsplit), so anything they could disagree on is refused outright: backslashes,
userinfo, whitespace and control characters. What is left must name an allowed origin exactly:
BASE_URL's scheme, an allowed host, and that host's port (the scheme's default unless named).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from checkout_app import messages
from checkout_app.config import DEFAULT_PORTS, origin
from checkout_app.errors import InvalidInput

MAX_URL_LENGTH = 2048


def _suspicious(url: str) -> bool:
    return "\\" in url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url)


def is_allowed(url: object, origins: frozenset[str]) -> bool:
    """Whether `url` is absolute, unambiguous, and on one of `origins`."""
    if not isinstance(url, str) or not 0 < len(url) <= MAX_URL_LENGTH or _suspicious(url):
        return False
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or not host or "@" in parts.netloc:
        return False
    return origin(parts.scheme, host, port) in origins


def resolve(url: object, default: str, field: str, origins: frozenset[str]) -> str:
    """The given URL when allowed, the default when none was given; else 400 naming the field."""
    if url is None:
        return default
    if not is_allowed(url, origins):
        raise InvalidInput(messages.INVALID_REDIRECT.format(field=field))
    return url  # type: ignore[return-value]
