"""Short leases on Redis keys: a held key lapses within seconds of its holder dying.

A lock or claim is written with a TTL of a few seconds; one background thread per process
renews every held key every third of that, as long as the holder has not dropped it. A worker
killed mid-request stops renewing, so the shopper's retry gets through within the lease.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time

import redis

log = logging.getLogger(__name__)
LEASE_SECONDS = 5.0
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class Leases:
    """Keys this process holds, renewed by one daemon thread (started after a fork, too)."""

    def __init__(self, client: redis.Redis, seconds: float = LEASE_SECONDS) -> None:
        self.seconds = seconds
        self._renew = client.register_script(_RENEW)
        self._held: dict[int, tuple[str, str]] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._owner_pid = 0

    @property
    def ttl_ms(self) -> int:
        return int(self.seconds * 1000)

    def keep(self, key: str, value: str) -> int:
        """Renew `key` while it still holds `value`, until `drop`; a handle for `drop`."""
        with self._lock:
            if self._owner_pid != os.getpid():
                self._owner_pid = os.getpid()
                threading.Thread(target=self._run, name="leases", daemon=True).start()
            handle = next(self._ids)
            self._held[handle] = (key, value)
        return handle

    def drop(self, handle: int) -> None:
        """Stop renewing; the key lapses within the lease unless deleted first."""
        with self._lock:
            self._held.pop(handle, None)

    def _run(self) -> None:
        while True:
            time.sleep(self.seconds / 3)
            with self._lock:
                held = list(self._held.values())
            for key, value in held:
                try:
                    self._renew(keys=[key], args=[value, self.ttl_ms])
                except redis.RedisError as exc:
                    log.debug("lease on %s not renewed: %s", key, exc)
