"""The fleet drill, short (a few seconds per fault): CI's version of `make fleet-drill`."""

from __future__ import annotations

import requests

from bench.fleet.drill import SHORT, Drill
from bench.fleet.table import markdown
from bench.fleet.topology import Fleet
from bench.seed import Catalog


def test_the_fleet_keeps_every_invariant_through_each_fault(fleet: Fleet, fleet_catalog: Catalog):
    rows = Drill(fleet, fleet_catalog, *SHORT).run()
    print(markdown(rows))
    assert {row.fault: row.violations for row in rows if row.violations} == {}
    # the fleet is whole again: every server runs, every instance answers
    assert sorted(fleet.running()) == sorted(
        [
            "nginx",
            "pgbouncer",
            "postgres",
            "redis-1",
            "redis-2",
            "sentinel-1",
            "sentinel-2",
            "sentinel-3",
            "stripe_sim",
            "app-1",
            "app-2",
            "app-3",
        ]
    )
    for name in fleet.apps:
        assert requests.get(f"{fleet.url(name)}/healthz", timeout=5).status_code == 200
