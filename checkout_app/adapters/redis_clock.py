"""Redis' clock as seen from here, for writes that must not land once the app has given up.

A frozen (SIGSTOPped) Redis keeps a command in its socket; the app stops waiting after the
socket timeout and answers 503, but the thawed server then runs the command. For a cart write
that broke the promise that a 5xx changed nothing: a seat added once, answered 503, added again
by the shopper, ended up as two. So those scripts carry a deadline in Redis' own clock and do
nothing past it (`LATE_GUARD`).

The offset between Redis' clock and ours is measured with one TIME call, the first time it is
needed and again whenever a write comes back refused as late while we were still waiting for
it: that only happens when the offset is wrong (a clock was stepped), never after a freeze.
"""

from __future__ import annotations

import time

import redis

LATE = -3  # what a script answers when it ran past its deadline and wrote nothing
# Lua, the first lines of such a script: ARGV[1] is its deadline (milliseconds of Redis' clock;
# 0: none), and past it the script answers LATE before anything else.
LATE_GUARD = f"""
local deadline = tonumber(ARGV[1])
if deadline ~= 0 then
  local now = redis.call('TIME')
  if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > deadline then
    return {LATE}
  end
end
"""


class RedisClock:
    def __init__(self, client: redis.Redis, write_seconds: float | None) -> None:
        """`write_seconds`: how long after sending a write may still land (None: no limit);
        well under the socket timeout, so a write that lands was still awaited."""
        self.client = client
        self.write_ms = int(write_seconds * 1000) if write_seconds else 0
        self._offset: float | None = None

    def deadline_ms(self) -> int:
        """The deadline for a write sent now, in Redis' clock (0: none)."""
        if not self.write_ms:
            return 0
        if self._offset is None:
            self.measure()
        assert self._offset is not None
        return int((time.monotonic() + self._offset) * 1000) + self.write_ms

    def measure(self) -> None:
        """Redis' clock minus our monotonic clock, from one TIME round trip."""
        sent = time.monotonic()
        seconds, micros = self.client.time()
        received = time.monotonic()
        self._offset = seconds + micros / 1_000_000 - (sent + received) / 2
