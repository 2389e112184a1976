"""Authentication, routing, the control API, concurrency and the command line."""

import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import stripe

from checkout_app.stripe_sim import SimServer
from checkout_app.stripe_sim.control import SimControl

from .helpers import API_KEY, session_params


def test_bad_api_key_raises_authentication_error(
    make_client: Callable[..., stripe.StripeClient], sim: SimControl
) -> None:
    client = make_client("pk_test_publishable_key_1234")

    with pytest.raises(stripe.AuthenticationError) as caught:
        client.v1.checkout.sessions.create(params=session_params())

    assert caught.value.http_status == 401
    message = caught.value.user_message or ""
    assert message.startswith("Invalid API Key provided: pk_test_****")
    assert message.endswith("1234") and "publishable" not in message
    assert sim.requests()[0]["api_key_last4"] == "1234"


def test_missing_api_key_is_401(sim_server: SimServer) -> None:
    answer = requests.get(f"{sim_server.url}/v1/checkout/sessions/cs_test_any", timeout=5)

    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(("method", "path"), [("GET", "/v1/charges"), ("PUT", "/_sim/reset")])
def test_unknown_routes_answer_json(sim_server: SimServer, method: str, path: str) -> None:
    headers = {"Authorization": f"Bearer {API_KEY}"}

    answer = requests.request(method, sim_server.url + path, headers=headers, timeout=5)

    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["error"]["message"].startswith("Unrecognized request URL")


def test_control_api(sim_server: SimServer, sim: SimControl, client: stripe.StripeClient) -> None:
    assert requests.get(f"{sim_server.url}/_sim/health", timeout=5).json() == {"ok": True}
    assert sim.fail("slow", count=3)["delay_ms"] == 15000
    sim.clear_faults()
    client.v1.checkout.sessions.create(params=session_params())

    entry = sim.requests()[0]
    assert entry["method"] == "POST"
    assert entry["path"] == "/v1/checkout/sessions"
    assert entry["params"]["line_items"][0]["price_data"]["unit_amount"] == "4900"
    assert entry["idempotency_key"]  # the SDK generates one for every POST
    assert (entry["api_key_last4"], entry["status"], entry["fault"]) == ("4242", 200, None)
    sim.clear_requests()
    assert sim.requests() == []
    assert len(sim.sessions()) == 1


def test_concurrent_creates_get_distinct_ids(client: stripe.StripeClient, sim: SimControl) -> None:
    count = 50
    barrier = threading.Barrier(count)

    def create(index: int) -> str:
        barrier.wait()
        params = session_params(client_reference_id=f"order-{index}")
        return client.v1.checkout.sessions.create(params=params).id

    with ThreadPoolExecutor(max_workers=count) as pool:
        ids = list(pool.map(create, range(count)))

    assert len(set(ids)) == count
    assert {session["id"] for session in sim.sessions()} == set(ids)


def test_command_line_prints_its_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "checkout_app.stripe_sim", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(f"{url}/_sim/health", timeout=5).json() == {"ok": True}
    finally:
        process.terminate()
        process.wait(timeout=5)
