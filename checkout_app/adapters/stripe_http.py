"""The HTTP client under the stripe SDK: requests, with the environment read once at start.

A requests Session with trust_env (the default) reads the whole process environment on every
call: proxy variables, no_proxy, CA bundle paths. On a checkout that was a tenth of a
millisecond of CPU, every time, to find the same answer. Here the proxy for Stripe's host is
resolved once when the app starts and handed to stripe's RequestsClient; its sessions then
skip the environment. The CA bundle is stripe's own either way.
"""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.parse import urlsplit

import requests
import stripe

STRIPE_API = "https://api.stripe.com"


class RequestsWithoutEnvironment:
    """The `requests` module as stripe's RequestsClient uses it, with sessions that do not
    read the environment on each request."""

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)

    @staticmethod
    def Session() -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        return session


def proxies_for(api_base: str | None) -> dict[str, str]:
    """The proxies the environment names for Stripe's host (none when no_proxy covers it)."""
    host = urlsplit(api_base or STRIPE_API).hostname or ""
    found = urllib.request.getproxies()
    if not found or urllib.request.proxy_bypass(host):
        return {}
    return {scheme: url for scheme, url in found.items() if scheme in ("http", "https")}


def http_client(timeout_seconds: float, api_base: str | None) -> stripe.RequestsClient:
    """stripe's requests-based client, proxied as the environment said at start."""
    return stripe.RequestsClient(
        timeout=timeout_seconds,
        proxy=proxies_for(api_base) or None,  # type: ignore[arg-type]
        _lib=RequestsWithoutEnvironment(),
    )
