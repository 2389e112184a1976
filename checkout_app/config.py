"""Configuration read from the environment, validated once at start-up."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from babel.dates import get_timezone
from limits import parse

APP_ENVS = ("development", "production", "test")
T = TypeVar("T", int, float)
# Without these the app refuses to start in production (no embedded servers, no simulator).
REQUIRED_IN_PRODUCTION = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
)
# Stripe refuses an expires_at under 30 minutes or over 24 hours from its own clock; the gateway
# adds this slack to the 30-minute minimum, so the maximum loses it.
EXPIRY_SLACK_SECONDS = 60
EXPIRES_MINUTES_RANGE = (30, 24 * 60 - EXPIRY_SLACK_SECONDS // 60)
DEFAULT_PORTS = {"http": 80, "https": 443}
MIN_SUPPORT_TOKEN_LENGTH = 32
MIN_JWT_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the app refuses to start."""


def _number(env: Mapping[str, str], name: str, cast: type[T], what: str) -> T | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return cast(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be {what}, got {raw!r}") from exc


def _int(
    env: Mapping[str, str], name: str, default: int, minimum: int = 0, maximum: int | None = None
) -> int:
    value = _number(env, name, int, "a whole number")
    if value is None:
        return default
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {value}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = _number(env, name, float, "a number of seconds")
    if value is None:
        return default
    if not 0 < value <= 3600:
        raise ConfigError(f"{name} must be above 0 and at most 3600, got {value!r}")
    return value


def _rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "").strip() or default
    try:
        parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must look like 10/minute, got {raw!r}") from exc
    return raw


def _tax_rate(env: Mapping[str, str]) -> Decimal:
    raw = env.get("TAX_RATE", "").strip() or "0"
    try:
        rate = Decimal(raw)
    except InvalidOperation as exc:
        raise ConfigError(f"TAX_RATE must be a fraction such as 0.08, got {raw!r}") from exc
    if not rate.is_finite() or not Decimal(0) <= rate < Decimal(1):
        raise ConfigError(f"TAX_RATE must be at least 0 and below 1, got {raw!r}")
    return rate


def _shop_locale(env: Mapping[str, str]) -> str:
    raw = env.get("SHOP_LOCALE", "").strip() or "en_US"
    try:
        return str(Locale.parse(raw))
    except (ValueError, UnknownLocaleError) as exc:
        raise ConfigError(
            f"SHOP_LOCALE must be a locale such as en_US or de_DE, got {raw!r}"
        ) from exc


def _shop_timezone(env: Mapping[str, str]) -> str:
    raw = env.get("SHOP_TIMEZONE", "").strip() or "UTC"
    try:
        get_timezone(raw)
    except LookupError as exc:
        raise ConfigError(
            f"SHOP_TIMEZONE must be an IANA zone such as Europe/Berlin, got {raw!r}"
        ) from exc
    return raw


def _base_url(env: Mapping[str, str]) -> str:
    url = (env.get("BASE_URL", "").strip() or "http://localhost:5000").rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"BASE_URL must be an absolute http(s) URL, got {url!r}")
    return url


def origin(scheme: str, host: str, port: int | None) -> str:
    """`scheme://host:port` with the scheme's default port filled in: one redirect origin."""
    return f"{scheme}://{host.lower()}:{port or DEFAULT_PORTS[scheme]}"


def _redirect_origins(env: Mapping[str, str], base_url: str) -> frozenset[str]:
    """Every scheme://host:port a redirect may name: https always, http only with an http
    BASE_URL; BASE_URL's host and each ALLOWED_REDIRECT_HOSTS `host` or `host:port`."""
    raw = env.get("ALLOWED_REDIRECT_HOSTS", "")
    base = urlsplit(base_url)
    hosts = [(base.hostname or "", base.port)]
    for entry in (h.strip() for h in raw.split(",")):
        if not entry:
            continue
        try:
            parts = urlsplit(f"{base.scheme}://{entry}")
            host, port = parts.hostname, parts.port
        except ValueError:
            host = None
        if not host or "@" in entry or parts.path or parts.query or parts.fragment:
            raise ConfigError(f"ALLOWED_REDIRECT_HOSTS must list host or host:port, got {raw!r}")
        hosts.append((host, port))
    schemes = {"https", base.scheme}
    return frozenset(origin(scheme, host, port) for scheme in schemes for host, port in hosts)


def _check_production(env: Mapping[str, str], app_env: str) -> None:
    missing = [name for name in REQUIRED_IN_PRODUCTION if not env.get(name, "").strip()]
    if app_env == "production" and missing:
        raise ConfigError(f"APP_ENV=production needs {', '.join(missing)} set in the environment")


def database_url(raw: str | None) -> str | None:
    """A PostgreSQL URL for SQLAlchemy with the psycopg2 driver, whichever form it came in:
    hosting platforms hand out postgres:// and postgresql://, which SQLAlchemy 2.1 would serve
    with psycopg (version 3), which is not installed."""
    for scheme in ("postgres://", "postgresql://"):
        if raw and raw.startswith(scheme):
            return "postgresql+psycopg2://" + raw.removeprefix(scheme)
    return raw or None


def _expires_minutes(env: Mapping[str, str]) -> int:
    low, high = EXPIRES_MINUTES_RANGE
    return _int(env, "CHECKOUT_EXPIRES_MINUTES", low, minimum=low, maximum=high)


def _support_token(env: Mapping[str, str]) -> str | None:
    token = env.get("SUPPORT_API_TOKEN", "").strip()
    if token and len(token) < MIN_SUPPORT_TOKEN_LENGTH:
        raise ConfigError(
            f"SUPPORT_API_TOKEN must be at least {MIN_SUPPORT_TOKEN_LENGTH} characters "
            "(try: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return token or None


def _jwt_secret(env: Mapping[str, str]) -> str | None:
    secret = env.get("AUTH_JWT_SECRET", "")
    if secret and len(secret) < MIN_JWT_SECRET_LENGTH:
        # HS256 keys shorter than the hash are guessable offline from any issued token.
        raise ConfigError(f"AUTH_JWT_SECRET must be at least {MIN_JWT_SECRET_LENGTH} characters")
    return secret or None


def load_config(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every setting from the environment into a Flask config mapping."""
    env = os.environ if env is None else env
    app_env = env.get("APP_ENV", "production").strip() or "production"
    if app_env not in APP_ENVS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(APP_ENVS)}, got {app_env!r}")
    _check_production(env, app_env)
    base_url = _base_url(env)
    prefix = env.get("REDIS_KEY_PREFIX", "checkout:")
    if "{" in prefix or "}" in prefix:
        # Keys carry their own {hash tags} for Redis Cluster; a brace here would replace them.
        raise ConfigError(f"REDIS_KEY_PREFIX must not contain braces, got {prefix!r}")
    currency = (env.get("CURRENCY", "").strip() or "usd").lower()
    if len(currency) != 3 or not currency.isalpha():
        raise ConfigError(f"CURRENCY must be a three-letter ISO code, got {currency!r}")
    return {
        "APP_ENV": app_env,
        "SECRET_KEY": env.get("SECRET_KEY") or secrets.token_hex(32),
        "DATABASE_URL": database_url(env.get("DATABASE_URL")),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "REDIS_KEY_PREFIX": prefix,
        "DB_POOL_SIZE": _int(env, "DB_POOL_SIZE", 10, minimum=1),
        "DB_MAX_OVERFLOW": _int(env, "DB_MAX_OVERFLOW", 10),
        "DB_CONNECT_TIMEOUT": _int(env, "DB_CONNECT_TIMEOUT", 1, minimum=1),
        "DB_STATEMENT_TIMEOUT_MS": _int(env, "DB_STATEMENT_TIMEOUT_MS", 2000, minimum=1),
        "DB_LOCK_TIMEOUT_MS": _int(env, "DB_LOCK_TIMEOUT_MS", 1500, minimum=1),
        "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": _int(
            env, "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 10000, minimum=1
        ),
        "DB_KEEPALIVES_IDLE": _int(env, "DB_KEEPALIVES_IDLE", 5, minimum=1),
        "REDIS_SOCKET_TIMEOUT": _seconds(env, "REDIS_SOCKET_TIMEOUT", 1.0),
        "REDIS_CONNECT_TIMEOUT": _seconds(env, "REDIS_CONNECT_TIMEOUT", 1.0),
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": (env.get("STRIPE_API_BASE") or "").rstrip("/") or None,
        "STRIPE_TIMEOUT_SECONDS": _int(env, "STRIPE_TIMEOUT_SECONDS", 10, minimum=1),
        "STRIPE_MAX_RETRIES": _int(env, "STRIPE_MAX_RETRIES", 2),
        "CHECKOUT_EXPIRES_MINUTES": _expires_minutes(env),
        "BASE_URL": base_url,
        "REDIRECT_ORIGINS": _redirect_origins(env, base_url),
        "TAX_RATE": _tax_rate(env),
        "CURRENCY": currency,
        "SHOP_LOCALE": _shop_locale(env),
        "SHOP_TIMEZONE": _shop_timezone(env),
        "CART_TTL_SECONDS": _int(env, "CART_TTL_SECONDS", 7 * 24 * 3600, minimum=1),
        "RATE_LIMIT_CHECKOUT": _rate_limit(env, "RATE_LIMIT_CHECKOUT", "10/minute"),
        "RATE_LIMIT_CART": _rate_limit(env, "RATE_LIMIT_CART", "60/minute"),
        "RATE_LIMIT_ORDERS": _rate_limit(env, "RATE_LIMIT_ORDERS", "60/minute"),
        "RATE_LIMIT_SUPPORT_TOKEN": _rate_limit(env, "RATE_LIMIT_SUPPORT_TOKEN", "10/minute"),
        "RATE_LIMIT_IP_FACTOR": _int(env, "RATE_LIMIT_IP_FACTOR", 10, minimum=1),
        "TRUSTED_PROXY_COUNT": _int(env, "TRUSTED_PROXY_COUNT", 0),
        "SMTP_URL": env.get("SMTP_URL") or None,
        "SMTP_FROM": env.get("SMTP_FROM", "orders@localhost"),
        "WHATSAPP_WEBHOOK_URL": env.get("WHATSAPP_WEBHOOK_URL") or None,
        "SUPPORT_API_TOKEN": _support_token(env),
        "ADMIN_LOCKOUT_ATTEMPTS": _int(env, "ADMIN_LOCKOUT_ATTEMPTS", 5, minimum=1),
        "ADMIN_LOCKOUT_SECONDS": _int(env, "ADMIN_LOCKOUT_SECONDS", 900, minimum=1),
        "ADMIN_SESSION_MINUTES": _int(env, "ADMIN_SESSION_MINUTES", 480, minimum=1),
        "RATE_LIMIT_ADMIN_LOGIN": _rate_limit(env, "RATE_LIMIT_ADMIN_LOGIN", "10/minute"),
        "MAX_TICKETS_PER_ORDER": _int(env, "MAX_TICKETS_PER_ORDER", 10, minimum=1),
        "SEAT_HOLD_LIMIT": _int(env, "SEAT_HOLD_LIMIT", 10, minimum=1),
        "DELAYED_PAYMENT_HOLD_HOURS": _int(env, "DELAYED_PAYMENT_HOLD_HOURS", 72, minimum=1),
        "AUTH_JWT_SECRET": _jwt_secret(env),
        "AUTH_JWKS_URL": env.get("AUTH_JWKS_URL", "").strip() or None,
        "AUTH_JWT_ISSUER": env.get("AUTH_JWT_ISSUER", "").strip() or base_url,
        "AUTH_JWT_AUDIENCE": env.get("AUTH_JWT_AUDIENCE", "").strip() or "checkout_app",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "MAX_CONTENT_LENGTH": 16 * 1024,
    }
