"""What `make run` needs on a bare machine: embedded servers and, in development, the simulator."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from collections.abc import MutableMapping
from contextlib import suppress

import requests

from checkout_app.config import load_config
from checkout_app.dev import embedded
from checkout_app.stripe_sim.control import SimControl

SIM_PORT = int(os.environ.get("STRIPE_SIM_PORT", "12111"))
SIM_PIDFILE = embedded.INSTANCE_DIR / "stripe_sim.pid"
WEBHOOK_PATH = "/api/webhooks/stripe"
_children: list[subprocess.Popen[bytes]] = []


def prepare_backends(env: MutableMapping[str, str]) -> None:
    """Outside production: embedded servers for unset DATABASE_URL/REDIS_URL, one SECRET_KEY.

    For every entry point (wsgi.py, alembic, the CLI); production gets nothing filled in.
    """
    embedded.fill_backends(env)
    if env.get("APP_ENV", "production") != "production" and not env.get("SECRET_KEY"):
        # Every gunicorn worker must sign and check CSRF tokens with the same key.
        env["SECRET_KEY"] = secrets.token_hex(32)


def prepare(env: MutableMapping[str, str]) -> str:
    """The backends, and in development without STRIPE_SECRET_KEY the simulator; the one line
    that says what the app will use."""
    prepare_backends(env)
    stripe = env.get("STRIPE_API_BASE") or "https://api.stripe.com"
    if env.get("APP_ENV") == "development" and not env.get("STRIPE_SECRET_KEY"):
        env["STRIPE_WEBHOOK_SECRET"] = env.get("STRIPE_WEBHOOK_SECRET") or new_webhook_secret()
        webhook_url = load_config(env)["BASE_URL"] + WEBHOOK_PATH
        env["STRIPE_API_BASE"] = start_simulator(
            SIM_PORT, webhook_url, env["STRIPE_WEBHOOK_SECRET"]
        )
        env["STRIPE_SECRET_KEY"] = "sk_test_simulator"
        stripe = f"simulator at {env['STRIPE_API_BASE']} (webhooks to {webhook_url})"
    elif not env.get("STRIPE_SECRET_KEY"):
        stripe = "not configured (set STRIPE_SECRET_KEY)"
    return (
        f"checkout_app env={env.get('APP_ENV', 'production')}"
        f" database={embedded.describe(env['DATABASE_URL']) if env.get('DATABASE_URL') else '-'}"
        f" redis={embedded.describe(env['REDIS_URL']) if env.get('REDIS_URL') else '-'}"
        f" stripe={stripe}"
    )


def new_webhook_secret() -> str:
    """A fresh signing secret in Stripe's format."""
    return "whsec_" + secrets.token_urlsafe(32)


def start_simulator(port: int, webhook_url: str, webhook_secret: str) -> str:
    """Run the Stripe simulator as a child process (reusing one already on the port)."""
    url = f"http://127.0.0.1:{port}"
    if _healthy(url):
        SimControl(url).set_webhook(webhook_url, webhook_secret)
        return url
    command = [sys.executable, "-m", "checkout_app.stripe_sim", "--port", str(port)]
    command += ["--webhook-url", webhook_url, "--webhook-secret", webhook_secret]
    child = subprocess.Popen(command)
    _children.append(child)
    SIM_PIDFILE.parent.mkdir(parents=True, exist_ok=True)
    SIM_PIDFILE.write_text(str(child.pid))
    embedded.wait_for(lambda: _healthy(url), 15, f"the Stripe simulator did not start on {url}")
    return url


def stop() -> None:
    """Stop the child processes this module started."""
    for child in _children:
        child.terminate()
    _children.clear()
    SIM_PIDFILE.unlink(missing_ok=True)


def stop_all() -> list[str]:
    """`make stop`: the simulator a dev server left running, then the embedded servers."""
    stopped = []
    if SIM_PIDFILE.exists():
        with suppress(ValueError, ProcessLookupError):
            os.kill(int(SIM_PIDFILE.read_text()), signal.SIGTERM)
            stopped.append("stripe simulator")
        SIM_PIDFILE.unlink(missing_ok=True)
    return stopped + embedded.stop()


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/_sim/health", timeout=1).ok
    except requests.RequestException:
        return False
