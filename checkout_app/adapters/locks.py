"""Short Redis locks that serialise one shopper's concurrent checkouts (double clicks, two tabs).

Each lock is a lease (adapters/leases.py): held as long as its request runs, gone within a few
seconds of its worker dying, so a crash never locks a shopper out for longer."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import redis

from checkout_app.adapters.leases import Leases
from checkout_app.adapters.redis_client import REDIS_DOWN, cart_service_errors
from checkout_app.errors import CheckoutInProgress

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
POLL_SECONDS = 0.05


class Locks:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self.leases = Leases(client)
        self._release = client.register_script(_RELEASE)

    def is_held(self, name: str) -> bool:
        """Whether some request (alive: leases lapse after a crash) holds lock `name`."""
        return bool(self.client.exists(f"{self.prefix}lock:{{{name}}}"))

    @contextmanager
    def hold(self, name: str, wait_seconds: float) -> Iterator[None]:
        """Hold lock `name` for the block, waiting for it up to `wait_seconds`."""
        key = f"{self.prefix}lock:{{{name}}}"
        token = secrets.token_hex(16)
        deadline = time.monotonic() + wait_seconds
        with cart_service_errors():
            while not self.client.set(key, token, nx=True, px=self.leases.ttl_ms):
                if time.monotonic() >= deadline:
                    raise CheckoutInProgress()
                time.sleep(POLL_SECONDS)
        lease = self.leases.keep(key, token)
        try:
            yield
        finally:
            self.leases.drop(lease)
            # If Redis is gone the lock lapses by itself within its lease.
            with suppress(*REDIS_DOWN):
                self._release(keys=[key], args=[token])
