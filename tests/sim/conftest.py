"""Fixtures: one simulator per test session, reset before every test."""

from collections.abc import Callable, Iterator

import pytest
import stripe

from checkout_app.stripe_sim import SimServer
from checkout_app.stripe_sim.control import SimControl

from .helpers import API_KEY


@pytest.fixture(scope="session")
def sim_server() -> Iterator[SimServer]:
    """One simulator on a free port for the whole test session."""
    with SimServer() as server:
        yield server


@pytest.fixture(scope="session")
def sim(sim_server: SimServer) -> SimControl:
    """Control API client of the session's simulator."""
    return SimControl(sim_server.url)


@pytest.fixture(autouse=True)
def reset_sim(sim: SimControl) -> None:
    """Start every test from an empty simulator."""
    sim.reset()


@pytest.fixture
def make_client(sim_server: SimServer) -> Callable[..., stripe.StripeClient]:
    """Factory of real StripeClients pointed at the simulator."""

    def make(api_key: str = API_KEY, timeout: float = 5.0, retries: int = 0) -> stripe.StripeClient:
        return stripe.StripeClient(
            api_key,
            base_addresses={"api": sim_server.url},
            http_client=stripe.RequestsClient(timeout=timeout),
            max_network_retries=retries,
        )

    return make


@pytest.fixture
def client(make_client: Callable[..., stripe.StripeClient]) -> stripe.StripeClient:
    """A StripeClient with a valid test key, a 5 s timeout and no retries."""
    return make_client()
