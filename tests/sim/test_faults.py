"""Injected faults and latency, as seen by the stripe SDK and by raw HTTP clients."""

import socket
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import requests
import stripe

from checkout_app.stripe_sim import SimServer
from checkout_app.stripe_sim.control import SimControl

from .helpers import API_KEY, session_params


def test_500_raises_api_error(client: stripe.StripeClient, sim: SimControl) -> None:
    sim.fail("500", count=1)

    with pytest.raises(stripe.APIError) as caught:
        client.v1.checkout.sessions.create(params=session_params())

    assert caught.value.http_status == 500
    assert sim.sessions() == []
    assert [(entry["status"], entry["fault"]) for entry in sim.requests()] == [(500, "500")]


def test_429_raises_rate_limit_error(client: stripe.StripeClient, sim: SimControl) -> None:
    sim.fail("429")

    with pytest.raises(stripe.RateLimitError) as caught:
        client.v1.checkout.sessions.retrieve("cs_test_any")

    assert caught.value.http_status == 429
    # The SDK does not pass `code` to RateLimitError; it is only on the parsed error object.
    assert caught.value.code is None
    assert caught.value.error is not None and caught.value.error.code == "rate_limit"


def test_slow_answer_trips_the_client_timeout(
    make_client: Callable[..., stripe.StripeClient], sim: SimControl
) -> None:
    sim.fail("slow", count=1, delay_ms=3000)
    client = make_client(timeout=0.5)
    started = time.monotonic()

    with pytest.raises(stripe.APIConnectionError) as caught:
        client.v1.checkout.sessions.create(params=session_params())

    assert time.monotonic() - started < 2
    assert caught.value.should_retry is True


def test_slow_answers_normally_after_the_delay(
    client: stripe.StripeClient, sim: SimControl
) -> None:
    sim.fail("slow", count=1, delay_ms=300)
    started = time.monotonic()

    session = client.v1.checkout.sessions.create(params=session_params())

    assert time.monotonic() - started >= 0.3
    assert [stored["id"] for stored in sim.sessions()] == [session.id]
    assert sim.requests()[0]["fault"] == "slow"


def test_drop_raises_api_connection_error(client: stripe.StripeClient, sim: SimControl) -> None:
    sim.fail("drop", count=1)

    with pytest.raises(stripe.APIConnectionError):
        client.v1.checkout.sessions.create(params=session_params())

    assert sim.sessions() == []
    assert [(entry["status"], entry["fault"]) for entry in sim.requests()] == [(None, "drop")]


def test_drop_sends_no_http_response(sim_server: SimServer, sim: SimControl) -> None:
    sim.fail("drop", count=2)
    url = f"{sim_server.url}/v1/checkout/sessions/cs_test_any"
    request = "GET /v1/checkout/sessions/cs_test_any HTTP/1.1\r\nHost: sim\r\n"
    request += f"Authorization: Bearer {API_KEY}\r\n\r\n"

    with pytest.raises(requests.ConnectionError):
        requests.get(url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=5)
    address = urlsplit(sim_server.url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(request.encode())
        assert connection.recv(1024) == b""


@pytest.mark.parametrize("mode", ["500", "drop"])
def test_sdk_retries_with_the_same_idempotency_key(
    make_client: Callable[..., stripe.StripeClient], sim: SimControl, mode: str
) -> None:
    sim.fail(mode, count=1)
    client = make_client(retries=2)

    session = client.v1.checkout.sessions.create(
        params=session_params(), options={"idempotency_key": "retry-me"}
    )

    log = sim.requests()
    assert [(entry["fault"], entry["idempotency_key"]) for entry in log] == [
        (mode, "retry-me"),
        (None, "retry-me"),
    ]
    assert log[1]["status"] == 200
    assert [stored["id"] for stored in sim.sessions()] == [session.id]


def test_count_and_path_limit_a_fault(client: stripe.StripeClient, sim: SimControl) -> None:
    sim.fail("500", count=2, path="/v1/checkout/sessions/", method="GET")
    session = client.v1.checkout.sessions.create(params=session_params())

    for _ in range(2):
        with pytest.raises(stripe.APIError):
            client.v1.checkout.sessions.retrieve(session.id)

    assert client.v1.checkout.sessions.retrieve(session.id).id == session.id


def test_fault_until_cleared(client: stripe.StripeClient, sim: SimControl) -> None:
    sim.fail("429")
    for _ in range(3):
        with pytest.raises(stripe.RateLimitError):
            client.v1.checkout.sessions.retrieve("cs_test_any")

    sim.clear_faults()

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.retrieve("cs_test_any")


def test_latency_delays_every_v1_request(client: stripe.StripeClient, sim: SimControl) -> None:
    sim.set_latency(200)
    started = time.monotonic()

    client.v1.checkout.sessions.create(params=session_params())

    assert time.monotonic() - started >= 0.2


def test_reset_abandons_sleeping_requests(client: stripe.StripeClient, sim: SimControl) -> None:
    sim.fail("slow", count=1, delay_ms=10_000)
    errors: list[Exception] = []

    def create() -> None:
        try:
            client.v1.checkout.sessions.create(params=session_params())
        except stripe.StripeError as error:
            errors.append(error)

    worker = threading.Thread(target=create)
    worker.start()
    time.sleep(0.2)
    sim.reset()
    worker.join(timeout=3)

    assert not worker.is_alive()
    assert [type(error) for error in errors] == [stripe.APIError]
    assert sim.sessions() == []
    assert sim.requests() == []


def test_invalid_fault_is_rejected(sim_server: SimServer) -> None:
    answer = requests.post(f"{sim_server.url}/_sim/faults", json={"mode": "404"}, timeout=5)

    assert answer.status_code == 400
    assert "mode must be one of" in answer.json()["error"]["message"]
