"""Short Redis locks that serialise one shopper's concurrent checkouts (double clicks, two tabs).

Each lock is a lease (adapters/leases.py): held as long as its request runs, gone within a few
seconds of its worker dying, so a crash never locks a shopper out for longer. A checkout takes
and releases its lock in the same round trips as its other Redis work (adapters/checkout_run.py).
"""

from __future__ import annotations

import redis

from checkout_app.adapters.leases import Leases

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
POLL_SECONDS = 0.05


class Locks:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self.leases = Leases(client)

    def key(self, name: str) -> str:
        """The Redis key of lock `name`."""
        return f"{self.prefix}lock:{{{name}}}"

    def is_held(self, name: str) -> bool:
        """Whether some request (alive: leases lapse after a crash) holds lock `name`."""
        return bool(self.client.exists(self.key(name)))
