"""A newcomer's purchase: Chromium buys through nginx from the fleet `make fleet` starts.

Each page and form post may land on another instance (no sticky sessions: one SECRET_KEY signs
every CSRF token), and the simulator's webhook comes back through nginx too.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect, sync_playwright

from bench.fleet.topology import Fleet
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.test_browser_checkout import fill_cart


@pytest.fixture(scope="module")
def demo_shop(fleet: Fleet) -> str:
    fleet.cli("seed-catalog")
    return fleet.shop_url


def _buy(fleet: Fleet, shop: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(30_000)
        fill_cart(page, shop)  # the browser tests' own journey, through nginx
        expect(page).to_have_url(re.compile(rf"^{fleet.url('stripe_sim')}/c/pay/cs_test_\w+$"))
        page.get_by_role("button", name="Pay", exact=True).click()
        expect(page).to_have_url(re.compile(rf"^{shop}/checkout/success\?session_id="))
        expect(page.locator("[data-order-status]")).to_have_text("Payment received")
        browser.close()


def test_a_shopper_buys_through_nginx_in_chromium(fleet: Fleet, demo_shop: str):
    # A thread of its own: tests/e2e's session-wide Playwright may still run in this one, and
    # Playwright's sync API refuses to start inside another's event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_buy, fleet, demo_shop).result()
    log = fleet.root / "nginx" / "logs" / "access.log"
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    pages = {line["upstream"] for line in lines if not line["uri"].startswith("/api/")}
    hooks = [line for line in lines if line["uri"] == "/api/webhooks/stripe"]
    assert len(pages) >= 2  # the pages and posts were served by more than one instance
    assert any(hook["status"] == 200 for hook in hooks)
