"""Idempotency-Key handling: replays, conflicts and per-API-key scope."""

from collections.abc import Callable

import pytest
import requests
import stripe

from checkout_app.stripe_sim import SimServer
from checkout_app.stripe_sim.control import SimControl

from .helpers import API_KEY, session_params


def test_same_key_same_params_replays(client: stripe.StripeClient, sim: SimControl) -> None:
    options = {"idempotency_key": "order-42-attempt-1"}

    first = client.v1.checkout.sessions.create(params=session_params(), options=options)
    second = client.v1.checkout.sessions.create(params=session_params(), options=options)

    assert second.id == first.id
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.last_response.headers
    assert [stored["id"] for stored in sim.sessions()] == [first.id]
    assert [entry["idempotency_key"] for entry in sim.requests()] == [
        options["idempotency_key"]
    ] * 2


def test_replay_is_byte_identical(sim_server: SimServer) -> None:
    url = f"{sim_server.url}/v1/checkout/sessions"
    headers = {"Authorization": f"Bearer {API_KEY}", "Idempotency-Key": "raw-key"}
    body = {"mode": "setup", "success_url": "https://shop.test/ok"}

    first = requests.post(url, data=body, headers=headers, timeout=5)
    second = requests.post(url, data=body, headers=headers, timeout=5)

    assert first.status_code == second.status_code == 200
    assert first.content == second.content


def test_same_key_other_params_is_an_idempotency_error(
    client: stripe.StripeClient, sim: SimControl
) -> None:
    options = {"idempotency_key": "order-42-attempt-1"}
    client.v1.checkout.sessions.create(params=session_params(), options=options)

    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        client.v1.checkout.sessions.create(
            params=session_params(client_reference_id="order-43"), options=options
        )

    assert len(sim.sessions()) == 1


def test_keys_are_scoped_per_api_key(
    make_client: Callable[..., stripe.StripeClient], sim: SimControl
) -> None:
    options = {"idempotency_key": "shared-key"}

    first = make_client("sk_test_account_one").v1.checkout.sessions.create(
        params=session_params(), options=options
    )
    second = make_client("sk_test_account_two").v1.checkout.sessions.create(
        params=session_params(), options=options
    )

    assert first.id != second.id
    assert len(sim.sessions()) == 2


def test_failed_validation_is_not_stored(client: stripe.StripeClient) -> None:
    options = {"idempotency_key": "fix-and-retry"}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params=session_params(mode=None), options=options)

    session = client.v1.checkout.sessions.create(params=session_params(), options=options)

    assert session.status == "open"
