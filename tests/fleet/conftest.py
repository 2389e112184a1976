"""One fleet for tests/fleet: nginx, 3 gunicorn instances, PgBouncer, its own PostgreSQL, Redis
with 3 Sentinels, the simulator; all on 127.0.0.1, stopped and removed at the end."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from bench.fleet.drill import DRILL_SETTINGS
from bench.fleet.servers import find_binary
from bench.fleet.topology import ROOT, Fleet
from bench.seed import Catalog, seed_catalog


@pytest.fixture(scope="session")
def fleet() -> Iterator[Fleet]:
    try:
        for name in ("nginx", "pgbouncer", "redis-server", "redis-sentinel"):
            find_binary(name)
    except RuntimeError as missing:
        pytest.skip(f"{missing} (make test installs it with apt-get)")
    root = ROOT / "instance" / f"fleet-test-{os.getpid()}"
    fleet = Fleet(root, settings=DRILL_SETTINGS)
    try:
        fleet.start()
        yield fleet
    finally:
        fleet.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def fleet_catalog(fleet: Fleet) -> Catalog:
    """Courses, digital products and roomy events in the fleet's database."""
    return seed_catalog(fleet.direct_url)
