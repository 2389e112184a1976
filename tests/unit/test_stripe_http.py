"""The Stripe HTTP client: proxy settings read once, at start; failures reach the SDK as its
APIConnectionError, retryable exactly for timeouts and failed or dropped connections."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import stripe
import urllib3

from checkout_app.adapters.stripe_http import PooledClient, http_client, proxies_for

BODY = b'{"id": "cs_test_1", "object": "checkout.session"}'
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nStripe-Should-Retry: false\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
)


def test_the_environments_proxy_is_used_for_stripe(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert proxies_for(None)["https"] == "http://proxy.internal:3128"
    client = http_client(5, None)
    assert isinstance(client.pool, urllib3.ProxyManager)
    assert client.pool.proxy.host == "proxy.internal"


def test_no_proxy_covering_the_api_host_means_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert proxies_for("http://127.0.0.1:12111") == {}
    assert proxies_for(None) != {}
    assert not isinstance(http_client(5, "http://127.0.0.1:12111").pool, urllib3.ProxyManager)


@contextmanager
def serving(
    *replies: Callable[[socket.socket], None],
) -> Iterator[tuple[str, list[bytes]]]:
    """A server on 127.0.0.1 that hands its n-th connection to replies[n]: its base URL, and
    the list of every request it read (filled as they come)."""
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        for reply in replies:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                request = conn.recv(65536)
                # to the end of the headers; a TLS handshake (0x16) gets its answer at once
                while request and request[:1] != b"\x16" and b"\r\n\r\n" not in request:
                    request += conn.recv(65536)
                received.append(request)
                reply(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    finally:
        listener.close()
        thread.join(timeout=5)


def answer(conn: socket.socket) -> None:
    conn.sendall(ANSWER)


def hang_up(conn: socket.socket) -> None:
    """Close without a word."""


def cut_off(conn: socket.socket) -> None:
    conn.sendall(ANSWER[:-10])


def stall(conn: socket.socket) -> None:
    conn.recv(1)  # until the client gives up and closes


def test_an_answer_comes_back_with_case_insensitive_headers():
    with serving(answer) as (base, received):
        body, status, headers = PooledClient(5).request("post", base + "/v1/x", {}, "a=1")
    assert (status, body) == (200, BODY)
    assert headers["stripe-should-retry"] == "false"
    assert received[0].startswith(b"POST /v1/x HTTP/1.1")


@pytest.mark.parametrize("reply", [hang_up, cut_off, stall], ids=lambda r: r.__name__)
def test_a_dropped_or_silent_connection_is_a_retryable_connection_error(reply):
    with serving(reply) as (base, _), pytest.raises(stripe.APIConnectionError) as raised:
        PooledClient(0.5).request("post", base + "/v1/x", {}, "a=1")
    assert raised.value.should_retry is True


def test_a_refused_connection_is_retryable():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    with pytest.raises(stripe.APIConnectionError) as raised:
        PooledClient(0.5).request("get", f"http://127.0.0.1:{port}/v1/x", {})
    assert raised.value.should_retry is True


def test_a_certificate_that_does_not_verify_is_not_retried():
    # a plain-HTTP server spoken to over TLS: the handshake fails as an SSLError
    with serving(answer) as (base, _), pytest.raises(stripe.APIConnectionError) as raised:
        PooledClient(0.5).request("get", base.replace("http:", "https:") + "/v1/x", {})
    assert raised.value.should_retry is False
    assert "SSL" in str(raised.value)


def test_the_sdk_retries_a_dropped_create_under_the_same_idempotency_key():
    with serving(hang_up, answer) as (base, received):
        client = stripe.StripeClient(
            "sk_test_x",
            base_addresses={"api": base},
            http_client=PooledClient(5),
            max_network_retries=1,
        )
        created = client.raw_request("post", "/v1/checkout/sessions", idempotency_key="key-1")
    assert created.code == 200
    keys = [
        line
        for request in received
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"idempotency-key:")
    ]
    assert keys == [b"Idempotency-Key: key-1"] * 2
