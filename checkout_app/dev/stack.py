"""What `make run` needs on a bare machine: embedded servers and, in development, the simulator."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import MutableMapping

import requests

from checkout_app.config import load_config
from checkout_app.dev import embedded
from checkout_app.stripe_sim.control import SimControl

SIM_PORT = int(os.environ.get("STRIPE_SIM_PORT", "12111"))
WEBHOOK_PATH = "/api/webhooks/stripe"
_children: list[subprocess.Popen[bytes]] = []


def prepare(env: MutableMapping[str, str]) -> list[str]:
    """Fill DATABASE_URL/REDIS_URL with embedded servers and start the simulator when needed."""
    embedded.fill_backends(env)
    lines = [f"database={embedded.describe(env['DATABASE_URL'])}"]
    lines.append(f"redis={embedded.describe(env['REDIS_URL'])}")
    if env.get("APP_ENV", "production") != "production" and not env.get("SECRET_KEY"):
        # Every gunicorn worker must sign and check CSRF tokens with the same key.
        env["SECRET_KEY"] = secrets.token_hex(32)
    if env.get("APP_ENV") == "development" and not env.get("STRIPE_SECRET_KEY"):
        env["STRIPE_WEBHOOK_SECRET"] = env.get("STRIPE_WEBHOOK_SECRET") or new_webhook_secret()
        webhook_url = load_config(env)["BASE_URL"] + WEBHOOK_PATH
        env["STRIPE_API_BASE"] = start_simulator(
            SIM_PORT, webhook_url, env["STRIPE_WEBHOOK_SECRET"]
        )
        env["STRIPE_SECRET_KEY"] = "sk_test_simulator"
        lines.append(f"stripe=simulator at {env['STRIPE_API_BASE']} (no STRIPE_SECRET_KEY set)")
        lines.append(f"stripe webhooks -> {webhook_url}")
    return lines


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
    _children.append(subprocess.Popen(command))
    embedded.wait_for(lambda: _healthy(url), 15, f"the Stripe simulator did not start on {url}")
    return url


def stop() -> None:
    """Stop the child processes this module started."""
    for child in _children:
        child.terminate()
    _children.clear()


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/_sim/health", timeout=1).ok
    except requests.RequestException:
        return False
