"""The faults, each injected for a while and then healed, in the order the run applies them."""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass

from .stack import ChaosStack


@dataclass(frozen=True)
class Fault:
    name: str
    inject: Callable[[ChaosStack], None]
    heal: Callable[[ChaosStack], None]
    frozen: bool = False  # a hung backend: every answer must come within the configured bound


def _kill_worker(stack: ChaosStack) -> None:
    stack.workers()[0].send_signal(signal.SIGKILL)


def _nothing(stack: ChaosStack) -> None:
    """gunicorn's master starts a new worker by itself."""


FAULTS = (
    Fault("redis stopped", lambda s: s.redis.stop(), lambda s: s.redis.start()),
    Fault("redis frozen", lambda s: s.redis.freeze(), lambda s: s.redis.thaw(), frozen=True),
    Fault("postgres stopped", lambda s: s.postgres.stop(), lambda s: s.postgres.start()),
    Fault(
        "postgres frozen", lambda s: s.postgres.freeze(), lambda s: s.postgres.thaw(), frozen=True
    ),
    Fault("stripe slow (3 s)", lambda s: s.sim.set_latency(3000), lambda s: s.sim.set_latency(0)),
    Fault("stripe 500", lambda s: s.sim.fail("500", count=100000), lambda s: s.sim.clear_faults()),
    Fault(
        "stripe drops", lambda s: s.sim.fail("drop", count=100000), lambda s: s.sim.clear_faults()
    ),
    Fault("worker kill -9", _kill_worker, _nothing),
)
