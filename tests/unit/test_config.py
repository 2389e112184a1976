"""Strict production config, database URLs as hosting platforms give them, the expiry range."""

from __future__ import annotations

import pytest

from checkout_app.config import REQUIRED_IN_PRODUCTION, ConfigError, load_config

PRODUCTION = {
    "APP_ENV": "production",
    "DATABASE_URL": "postgresql+psycopg2://shop@db.internal/shop",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "SECRET_KEY": "s3cret",
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
}


def test_production_starts_with_everything_set():
    assert load_config(PRODUCTION)["APP_ENV"] == "production"


@pytest.mark.parametrize("name", REQUIRED_IN_PRODUCTION)
def test_production_refuses_without_each_variable(name):
    with pytest.raises(ConfigError, match=name):
        load_config({**PRODUCTION, name: ""})


def test_production_names_every_missing_variable_at_once():
    with pytest.raises(ConfigError) as refused:
        load_config({"APP_ENV": "production"})
    assert all(name in str(refused.value) for name in REQUIRED_IN_PRODUCTION)


def test_production_is_the_default_app_env():
    with pytest.raises(ConfigError, match="APP_ENV=production needs DATABASE_URL"):
        load_config({})


@pytest.mark.parametrize(
    "given",
    [
        "postgresql://shop:pw@db.internal:5432/shop",
        "postgres://shop:pw@db.internal:5432/shop",
        "postgresql+psycopg2://shop:pw@db.internal:5432/shop",
    ],
)
def test_database_urls_use_psycopg2_whatever_their_form(given):
    config = load_config({"APP_ENV": "test", "DATABASE_URL": given})
    assert config["DATABASE_URL"] == "postgresql+psycopg2://shop:pw@db.internal:5432/shop"


@pytest.mark.parametrize(
    "minutes, ok", [("29", False), ("30", True), ("1439", True), ("1440", False)]
)
def test_checkout_expiry_stays_within_what_stripe_accepts(minutes, ok):
    env = {"APP_ENV": "test", "CHECKOUT_EXPIRES_MINUTES": minutes}
    if ok:
        assert load_config(env)["CHECKOUT_EXPIRES_MINUTES"] == int(minutes)
    else:
        with pytest.raises(ConfigError, match="CHECKOUT_EXPIRES_MINUTES"):
            load_config(env)
