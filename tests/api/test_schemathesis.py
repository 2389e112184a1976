"""Schemathesis against the served app, from the OpenAPI document the app generates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case

from checkout_app import create_app
from checkout_app.adapters.cart_store import CartStore
from checkout_app.api.openapi import build_spec

from .shoppers import CART_STATES, EXAMPLES, FULL_CART, CartCookie, CartState, count, prepare

MIN_EXAMPLES = 200
SEED = 20261126
# The document depends on the code only: an app that never connects is enough to collect with.
OFFLINE = {
    "APP_ENV": "test",
    "DATABASE_URL": "postgresql+psycopg2://doc.invalid/none",
    "REDIS_URL": "redis://doc.invalid:6379/0",
}
DOCUMENT = build_spec(create_app(OFFLINE))


def load(phases: dict[str, bool]) -> schemathesis.BaseSchema:
    """The document under test, running these phases with every check on."""
    config = {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": MIN_EXAMPLES,
            "deterministic": True,
            "with-security-parameters": False,  # CartCookie supplies the cookie
        },
        "phases": {name: {"enabled": on} for name, on in phases.items()},
        "checks": {
            # Schema-valid bodies the contract still refuses with 400: a course with quantity 2,
            # an unknown userId, a successUrl on another host, an email on a special-use domain.
            "positive_data_acceptance": {
                "expected-statuses": [
                    "2xx",
                    "3xx",
                    "400",
                    "401",
                    "403",
                    "404",
                    "409",
                    "422",
                    "429",
                    "5xx",
                ]
            },
            # A schema-violating body may also be refused for its size (over 16 KiB: 413).
            "negative_data_rejection": {
                "expected-statuses": ["400", "401", "403", "404", "406", "413", "422", "428"]
            },
        },
    }
    loaded = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict(config))
    return loaded.exclude(func=lambda ctx: "x-undocumented" in ctx.operation.definition.raw)


def with_cart_cookie(schema: schemathesis.BaseSchema) -> schemathesis.BaseSchema:
    """The JSON API operations, each case with a fresh session cookie."""
    api = schema.exclude(tag="docs")
    api.auth(refresh_interval=None)(CartCookie)
    return api


fuzzing = with_cart_cookie(load({"examples": False, "coverage": False, "fuzzing": True}))
boundaries = with_cart_cookie(load({"examples": True, "coverage": True, "fuzzing": False}))
docs = load({"examples": True, "coverage": True, "fuzzing": True}).include(tag="docs")


@pytest.fixture
def enough_examples(request: pytest.FixtureRequest) -> Iterator[None]:
    """After an operation's fuzzing run, check it was sent at least MIN_EXAMPLES examples."""
    yield
    label = request.node.operation_label
    sent = EXAMPLES[label]["fuzzing"]
    assert sent >= MIN_EXAMPLES, f"{label}: {sent} examples"


def call(case: Case, base_url: str) -> None:
    """Send the case to the served app, run every check, count it."""
    case.call_and_validate(base_url=base_url)
    count(case)


def test_the_served_document_is_the_one_under_test(base_url: str) -> None:
    assert requests.get(f"{base_url}/api/openapi.json", timeout=10).json() == DOCUMENT


@fuzzing.parametrize()
@fuzzing.given(state=CART_STATES)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # spans the whole run
def test_fuzzing(
    case: Case, state: CartState, base_url: str, carts: CartStore, enough_examples: None
) -> None:
    prepare(case, state, carts)
    call(case, base_url)


@boundaries.parametrize()
def test_boundaries_with_a_full_cart(case: Case, base_url: str, carts: CartStore) -> None:
    prepare(case, FULL_CART, carts)
    call(case, base_url)


@docs.parametrize()
def test_docs_routes(case: Case, base_url: str) -> None:
    # No input at all: each phase has one request to send.
    call(case, base_url)
