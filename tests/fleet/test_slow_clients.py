"""Issue 11 item 7: 200 slow clients through nginx stop neither /healthz nor checkouts.

gunicorn's threads read a request themselves: 16 clients that send their headers or body a byte
at a time hold all 16 threads of an instance, and /healthz waits behind them. nginx reads every
request whole before it hands it to an instance, so the slow ones cost it a connection each.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import psutil
import pytest
import requests

from bench.fleet.topology import Fleet
from bench.seed import Catalog

SLOW_CLIENTS = 200


def _slow_client(port: int, n: int) -> socket.socket:
    """A connection that sent half a request: headers without their end, or a short body."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if n % 2:
        sock.sendall(b"POST /api/checkout/create-session HTTP/1.1\r\nHost: shop\r\nX-Slow: 1")
    else:
        sock.sendall(
            b"POST /api/checkout/create-session HTTP/1.1\r\nHost: shop\r\n"
            b'Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"user'
        )
    return sock


@pytest.fixture
def slow_clients(fleet: Fleet) -> Iterator[list[socket.socket]]:
    sockets = [_slow_client(fleet.ports["nginx"], n) for n in range(SLOW_CLIENTS)]
    try:
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def _open_to(port: int) -> int:
    """This process's established connections to 127.0.0.1:port."""
    return sum(
        1
        for conn in psutil.Process().net_connections(kind="tcp")
        if conn.raddr and conn.raddr.port == port and conn.status == psutil.CONN_ESTABLISHED
    )


def test_slow_clients_stop_neither_healthz_nor_checkouts(
    fleet: Fleet, fleet_catalog: Catalog, slow_clients: list[socket.socket]
):
    shop = fleet.shop_url
    assert requests.get(f"{shop}/healthz", timeout=5).json() == {"status": "ok"}
    shopper = requests.Session()
    added = shopper.post(
        f"{shop}/api/cart/items",
        json={"itemType": "course", "itemId": str(fleet_catalog.courses[0])},
        timeout=5,
    )
    assert added.status_code == 201, added.text
    paid = shopper.post(
        f"{shop}/api/checkout/create-session", json={"userEmail": "slow@example.com"}, timeout=5
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["sessionId"].startswith("cs_test_")
    # the slow clients were all still connected meanwhile: nginx held them, nobody dropped them
    assert _open_to(fleet.ports["nginx"]) >= SLOW_CLIENTS
