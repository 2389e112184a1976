"""What the processes cost during a scenario: peak RSS per gunicorn worker, CPU time per part.

RSS is sampled from /proc (psutil) every 0.2 s for every child of the gunicorn master. CPU is
the user+system time each part used between start and stop: the server's gunicorn processes,
the simulator, the PostgreSQL backends connected to the run's database (plus the backends that
exited meanwhile, which the postmaster reaped: a pool that opens and closes connections shows up
there), the Redis server, and this process (the load generator). `machine` is all CPU time spent
on the machine, so that other jobs sharing the cores show up as the difference.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import psutil

INTERVAL_SECONDS = 0.2
# A part's counters: cumulative CPU seconds under keys that stay stable between two readings.
Counters = dict[str, float]


def cpu_of(processes: Iterable[psutil.Process]) -> Counters:
    """user+system seconds of each live process."""
    counters = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        counters[str(process.pid)] = times.user + times.system
    return counters


def reaped_cpu(parent: psutil.Process) -> Counters:
    """user+system seconds of the children `parent` has waited for (exited ones)."""
    try:
        times = parent.cpu_times()
    except psutil.Error:
        return {}
    return {f"reaped:{parent.pid}": times.children_user + times.children_system}


def _machine_busy() -> float:
    times = psutil.cpu_times()._asdict()
    idle = ("idle", "iowait", "guest", "guest_nice")  # guest time is already in user
    return sum(v for k, v in times.items() if k not in idle)


def listening_pid(port: int) -> int | None:
    """The pid of the process listening on a local TCP port (root sees every process)."""
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
            return conn.pid
    return None


@dataclass
class Usage:
    peak_rss: dict[int, int] = field(default_factory=dict)  # worker pid -> bytes
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    wall_seconds: float = 0.0

    @property
    def peak_worker_rss_mib(self) -> float:
        return max(self.peak_rss.values(), default=0) / 2**20


class Sampler:
    """Samples worker RSS in a thread; `stop()` returns the Usage."""

    def __init__(self, master_pid: int, parts: dict[str, Callable[[], Counters]]):
        self.master = psutil.Process(master_pid)
        self.parts = parts
        self.usage = Usage()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss", daemon=True)

    def _read(self) -> dict[str, Counters]:
        return {name: read() for name, read in self.parts.items()}

    def _sample(self) -> None:
        while not self._stop.is_set():
            for worker in self.master.children():
                try:
                    rss = worker.memory_info().rss
                except psutil.Error:
                    continue
                self.usage.peak_rss[worker.pid] = max(rss, self.usage.peak_rss.get(worker.pid, 0))
            self._stop.wait(INTERVAL_SECONDS)

    def start(self) -> Sampler:
        self._before = self._read()
        self._machine_before = _machine_busy()
        self._started = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> Usage:
        self._stop.set()
        self._thread.join()
        for name, now in self._read().items():
            # A process that appeared meanwhile (a new backend) counts from zero.
            before = self._before[name]
            self.usage.cpu_seconds[name] = sum(t - before.get(k, 0.0) for k, t in now.items())
        self.usage.cpu_seconds["machine"] = _machine_busy() - self._machine_before
        self.usage.wall_seconds = time.monotonic() - self._started
        return self.usage
