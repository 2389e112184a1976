"""Browser-test fixtures: the app served by gunicorn on a free port, a simulator that sends it
signed webhooks, the demo catalog, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.orm import Session

from checkout_app.db.seed import seed_catalog
from checkout_app.services.staff import create_staff
from checkout_app.stripe_sim import SimServer
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WEBHOOK_SECRET = "whsec_e2e_checkout_app"
STAFF_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def app_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def e2e_sim(app_url: str) -> Iterator[SimServer]:
    """A simulator whose pages the browser opens and whose webhooks go to the served app."""
    port = free_port()
    with SimServer(
        port=port,
        public_base_url=f"http://127.0.0.1:{port}",
        webhook_url=f"{app_url}/api/webhooks/stripe",
        webhook_secret=WEBHOOK_SECRET,
    ) as server:
        yield server


@pytest.fixture(scope="session")
def served_app(app_url: str, base_env: dict[str, str], e2e_sim: SimServer) -> Iterator[str]:
    """`gunicorn -c gunicorn.conf.py wsgi:app` on a free port, with this run's database/Redis."""
    ARTIFACTS.mkdir(exist_ok=True)
    env = {
        **os.environ,
        **base_env,
        "HOST": "127.0.0.1",
        "PORT": app_url.rsplit(":", 1)[1],
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
        "BASE_URL": app_url,
        "REDIS_KEY_PREFIX": base_env["REDIS_KEY_PREFIX"] + "e2e:",
        "STRIPE_API_BASE": e2e_sim.url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    log_path = ARTIFACTS / "gunicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(app_url, server, log_path)
        yield app_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_until_serving(url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    """Poll until the app answers; fail with gunicorn's log if it exits or takes 30 s."""
    deadline = time.monotonic() + 30
    while server.poll() is None and time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/cart", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not serve {url}:\n{log_path.read_text()[-4000:]}", pytrace=False)


@pytest.fixture
def demo_catalog(db) -> None:
    """The demo catalog of `flask seed-catalog` (the db fixture empties the tables afterwards)."""
    with Session(bind=db) as session:
        seed_catalog(session)


@pytest.fixture
def staff(make_app, db):
    """Creates back-office accounts in the served app's database."""
    shop = make_app().extensions["checkout"]
    return lambda email, role: create_staff(shop, email, role, STAFF_PASSWORD)


# Package scope: Playwright's sync API keeps an event loop running in this thread while it is
# open, and later suites (tests/fleet) call asyncio.run(), which refuses to run inside one.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's headless chromium; a missing browser fails the run instead of skipping."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make chromium` installs it (apt-get install chromium)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    """Every browser test runs on a desktop and on a phone."""
    return request.param


@pytest.fixture
def page(browser: Browser, viewport: str) -> Iterator[Page]:
    """A fresh browser profile (no cookies) of that size."""
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
