"""GET /api/docs: Swagger UI from our own server, pointed at /api/openapi.json."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Route, sync_playwright

from checkout_app.api.docs import SWAGGER_UI_DIR

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ASSET = re.compile(r'(?:src|href)="([^"]+)"')


def test_page_points_swagger_ui_at_the_document(client) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert 'data-spec-url="/api/openapi.json"' in response.get_data(as_text=True)


def test_every_asset_comes_from_our_own_server(client) -> None:
    assets = ASSET.findall(client.get("/api/docs").get_data(as_text=True))
    assert assets.pop(0) == "data:,"  # the favicon: no request at all
    assert len(assets) == 4
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.mimetype in ("text/css", "text/javascript", "application/javascript"), url


def test_page_fits_a_phone_and_carries_the_security_headers(client) -> None:
    response = client.get("/api/docs")

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in (
        response.get_data(as_text=True)
    )
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_swagger_ui_is_a_version_that_renders_openapi_3_1() -> None:
    assert (SWAGGER_UI_DIR / "VERSION").read_text().startswith("v5.")


def test_assets_outside_the_package_are_not_served(client) -> None:
    for path in ("/api/docs/assets/../__init__.py", "/api/docs/assets/%2e%2e/__init__.py"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_json()["success"] is False


def test_page_renders_every_operation_in_chromium(base_url: str) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make chromium` installs it", pytrace=False)
    elsewhere: list[str] = []

    def same_origin_only(route: Route) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.route("**/*", same_origin_only)
        page.goto(f"{base_url}/api/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=15_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        page.screenshot(path=str(ARTIFACTS / "api-docs.png"), full_page=True)
        browser.close()
    assert not elsewhere
    assert console_errors == []  # no CSP refusal, no missing favicon
    assert "/api/checkout/create-session" in {p.replace("\u200b", "") for p in paths}
