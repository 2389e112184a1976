"""Request validation: checkout body, redirect URLs, quantities, session ids and settings."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from checkout_app.api.schemas import CheckoutRequestSchema, load
from checkout_app.config import ConfigError, load_config
from checkout_app.domain import redirects
from checkout_app.domain.cart import check_quantity, is_session_id, new_session_id
from checkout_app.domain.enums import ItemType
from checkout_app.errors import InvalidInput

ORDER = ("userEmail", "userId", "successUrl", "cancelUrl")
ORIGINS = load_config(
    {
        "APP_ENV": "test",
        "BASE_URL": "https://shop.test",
        "ALLOWED_REDIRECT_HOSTS": "www.shop.test:8080",
    }
)["REDIRECT_ORIGINS"]


def checkout_error(body) -> str:
    with pytest.raises(InvalidInput) as caught:
        load(CheckoutRequestSchema(), body, ORDER)
    return caught.value.message


def test_checkout_body_errors_follow_the_contract_order():
    assert checkout_error(None) == "Email is required for checkout"
    assert checkout_error({"userEmail": "\t"}) == "Email is required for checkout"
    assert checkout_error({"userEmail": "x" * 250 + "@a.com"}) == "Invalid email format"
    assert checkout_error({"userEmail": "bad", "userId": "bad"}) == "Invalid email format"
    assert checkout_error({"userEmail": "a@b.co", "userId": "bad"}) == "Invalid userId"


def test_checkout_body_normalises_email_and_keeps_urls_raw():
    user_id = uuid.uuid4()
    body = load(
        CheckoutRequestSchema(),
        {"userEmail": " Ann@Example.COM ", "userId": str(user_id), "successUrl": 5, "x": 1},
        ORDER,
    )
    assert body == {
        "user_email": "Ann@example.com",
        "user_id": user_id,
        "success_url": 5,
        "cancel_url": None,
    }


@pytest.mark.parametrize(
    "url,allowed",
    [
        ("https://shop.test/done", True),
        ("https://shop.test:443/done", True),
        ("https://www.shop.test:8080/done?x={CHECKOUT_SESSION_ID}", True),
        ("HTTPS://SHOP.TEST/", True),
        ("https://www.shop.test/done", False),  # the allowed host names port 8080
        ("https://shop.test:8443/done", False),
        ("http://shop.test/done", False),  # plain http with an https BASE_URL
        ("http://evil.com\\@shop.test/", False),
        ("https://shop.test\\evil.example/", False),
        ("https://user@shop.test/", False),
        ("https://user:pw@shop.test/", False),
        ("https://@shop.test/", False),
        ("https://shop.test/a\tb", False),
        ("https://shop.test/\x00", False),
        ("https://shop.test.evil.example/", False),
        ("https://evil.example/?shop.test", False),
        ("//shop.test/done", False),
        ("https://shop.test\n.evil/", False),
        ("data:text/html,hi", False),
        ("https://shop.test:99999/", False),
        ("https://" + "a" * 2050 + ".shop.test", False),
        (None, False),
    ],
)
def test_redirect_origins(url, allowed):
    assert redirects.is_allowed(url, ORIGINS) is allowed


def test_http_base_url_allows_http_and_https_on_its_port():
    origins = load_config({"APP_ENV": "test", "BASE_URL": "http://localhost:5000"})[
        "REDIRECT_ORIGINS"
    ]
    assert redirects.is_allowed("http://localhost:5000/ok", origins)
    assert redirects.is_allowed("https://localhost:5000/ok", origins)
    assert not redirects.is_allowed("http://localhost/ok", origins)
    assert not redirects.is_allowed("http://localhost:5001/ok", origins)


def test_redirect_defaults_when_absent_and_names_field_when_bad():
    assert redirects.resolve(None, "http://d/", "successUrl", ORIGINS) == "http://d/"
    with pytest.raises(InvalidInput, match="Invalid cancelUrl"):
        redirects.resolve("https://evil.example/", "http://d/", "cancelUrl", ORIGINS)


def test_quantity_rules():
    check_quantity(ItemType.EVENT, 99)
    check_quantity(ItemType.COURSE, 1)
    for item_type, quantity in ((ItemType.EVENT, 0), (ItemType.EVENT, 100), (ItemType.COURSE, 2)):
        with pytest.raises(InvalidInput):
            check_quantity(item_type, quantity)


def test_session_ids_are_long_random_url_safe_and_sealed():
    ids = {new_session_id("secret") for _ in range(100)}
    assert len(ids) == 100
    assert all(is_session_id(i, "secret") and len(i) >= 43 for i in ids)
    assert not any(is_session_id(i, "another secret") for i in ids)
    one = next(iter(ids))
    assert not is_session_id(one[:43] + "A" * 43, "secret")  # a made-up seal
    assert not is_session_id("short", "secret")
    assert not is_session_id("x" * 40 + "/../", "secret")
    assert not is_session_id(None, "secret")


def test_config_defaults_and_refusals():
    config = load_config({"APP_ENV": "test"})
    assert config["BASE_URL"] == "http://localhost:5000"
    assert config["REDIRECT_ORIGINS"] == frozenset(
        {"http://localhost:5000", "https://localhost:5000"}
    )
    assert config["TAX_RATE"] == Decimal("0")
    assert (config["CURRENCY"], config["STRIPE_TIMEOUT_SECONDS"]) == ("usd", 10)
    assert (config["STRIPE_MAX_RETRIES"], config["CHECKOUT_EXPIRES_MINUTES"]) == (2, 30)
    assert config["CART_TTL_SECONDS"] == 7 * 24 * 3600
    hosts = load_config(
        {
            "APP_ENV": "test",
            "BASE_URL": "https://s.example",
            "ALLOWED_REDIRECT_HOSTS": " A.example , b.example:8443,",
        }
    )
    assert hosts["REDIRECT_ORIGINS"] == frozenset(
        {"https://s.example:443", "https://a.example:443", "https://b.example:8443"}
    )
    for bad in (
        {"APP_ENV": "production"},  # no SECRET_KEY
        {"APP_ENV": "staging"},
        {"TAX_RATE": "8%"},
        {"TAX_RATE": "1.5"},
        {"TAX_RATE": "NaN"},
        {"BASE_URL": "shop.test"},
        {"CHECKOUT_EXPIRES_MINUTES": "10"},
        {"CURRENCY": "dollars"},
        {"ALLOWED_REDIRECT_HOSTS": "user@a.example"},
        {"ALLOWED_REDIRECT_HOSTS": "a.example/path"},
        {"ALLOWED_REDIRECT_HOSTS": "a.example:port"},
    ):
        with pytest.raises(ConfigError):
            load_config({"APP_ENV": "test", **bad})
