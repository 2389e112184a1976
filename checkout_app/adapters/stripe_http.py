"""The HTTP client under the stripe SDK: one urllib3 connection pool, the environment read once.

stripe's RequestsClient goes through a requests Session on every call: it merges settings,
prepares the request, runs hooks and copies cookies into a jar, and a Session that trusts the
environment also reads every proxy and CA-bundle variable, each time, to find the same answer.
On a checkout that was about a third of the Stripe create's CPU. This client hands the SDK's
request to urllib3, which requests itself sends it through, with the same timeouts (connect and
read, each), the same certificate check (stripe's CA bundle), no redirects and no retries of
its own. The SDK retries; our failures reach it as RequestsClient's do, as APIConnectionError,
retryable for a timeout or a failed or dropped connection (also one dropped mid-answer, which
the idempotency key makes safe to send again), not for a certificate that does not verify or
anything unexpected.

The proxy for Stripe's host is resolved once, when the app starts.
"""

from __future__ import annotations

import textwrap
import urllib.request
from typing import Any, NoReturn
from urllib.parse import urlsplit

import stripe
import urllib3
from urllib3.exceptions import NewConnectionError, ProtocolError, ProxyError, SSLError, TimeoutError

STRIPE_API = "https://api.stripe.com"
# Idle keep-alive connections kept per worker process. More concurrent calls than this still
# go out (the pool does not block); their connections are closed after use.
POOL_SIZE = 64
# Timeouts, connections that could not be made or were dropped; SSLError is none of these.
RETRYABLE = (TimeoutError, NewConnectionError, ProtocolError, ProxyError)
UNEXPECTED = (
    "Unexpected error communicating with Stripe.  If this problem persists, let us know at "
    "support@stripe.com."
)
UNVERIFIED = (
    "Could not verify Stripe's SSL certificate.  Please make sure that your network is not "
    "intercepting certificates.  If this problem persists, let us know at support@stripe.com."
)


def proxies_for(api_base: str | None) -> dict[str, str]:
    """The proxies the environment names for Stripe's host (none when no_proxy covers it)."""
    host = urlsplit(api_base or STRIPE_API).hostname or ""
    found = urllib.request.getproxies()
    if not found or urllib.request.proxy_bypass(host):
        return {}
    return {scheme: url for scheme, url in found.items() if scheme in ("http", "https")}


class PooledClient(stripe.HTTPClient):
    """stripe's HTTPClient over one thread-safe urllib3 pool (or proxy manager)."""

    name = "urllib3"

    def __init__(self, timeout_seconds: float, proxy: str | None = None) -> None:
        super().__init__()
        self.timeout = urllib3.Timeout(connect=timeout_seconds, read=timeout_seconds)
        tls = {"cert_reqs": "CERT_REQUIRED", "ca_certs": stripe.ca_bundle_path}
        self.pool: urllib3.PoolManager = (  # thread-safe: one per process
            urllib3.ProxyManager(proxy, maxsize=POOL_SIZE, **tls)
            if proxy
            else urllib3.PoolManager(maxsize=POOL_SIZE, **tls)
        )

    def request(
        self, method: str, url: str, headers: Any, post_data: Any = None
    ) -> tuple[bytes, int, Any]:
        answer = self._send(method, url, headers, post_data, preload=True)
        return answer.data, answer.status, answer.headers

    def request_stream(
        self, method: str, url: str, headers: Any, post_data: Any = None
    ) -> tuple[Any, int, Any]:
        answer = self._send(method, url, headers, post_data, preload=False)
        return answer, answer.status, answer.headers

    def _send(
        self, method: str, url: str, headers: Any, body: Any, preload: bool
    ) -> urllib3.BaseHTTPResponse:
        try:
            return self.pool.urlopen(
                method.upper(),  # the SDK says "post"; requests upper-cased it
                url,
                body=body,
                headers=headers,
                timeout=self.timeout,
                retries=False,
                redirect=False,
                preload_content=preload,
            )
        except Exception as exc:  # as RequestsClient: every failure is the SDK's
            _connection_error(exc)

    def close(self) -> None:
        self.pool.clear()


def _connection_error(exc: Exception) -> NoReturn:
    """The SDK's error for a failed call, classified by the exception's type."""
    retry = isinstance(exc, RETRYABLE)
    message = UNVERIFIED if isinstance(exc, SSLError) else UNEXPECTED
    detail = f"{type(exc).__name__}: {exc}"
    raise stripe.APIConnectionError(
        textwrap.fill(message) + f"\n\n(Network error: {detail})", should_retry=retry
    ) from exc


def http_client(timeout_seconds: float, api_base: str | None) -> PooledClient:
    """The client for the gateway, proxied as the environment said at start."""
    proxies = proxies_for(api_base)
    scheme = urlsplit(api_base or STRIPE_API).scheme
    return PooledClient(timeout_seconds, proxies.get(scheme))
