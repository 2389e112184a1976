"""Where a gunicorn worker's time goes: py-spy samples of every worker, summarised.

Two recordings under the same load: `--idle` samples every thread whether it runs or waits (wall
time: what a request is waiting for), and `--gil` samples only the thread holding the GIL (the
Python CPU time of a worker: psycopg2, redis-py and socket waits release the GIL, so they drop
out). py-spy reads the workers' memory from outside (`--nonblocking`); the app is not changed.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REQUEST_FRAME = "Flask.wsgi_app"
APP_PACKAGE = "checkout_app/"
RATE_HZ = 97  # not a divisor of common timer periods


def record(master_pid: int, seconds: float, output: Path, wall: bool) -> subprocess.Popen[bytes]:
    """Start py-spy on the master and its workers; wait() on the result when the load ends."""
    py_spy = str(Path(sys.executable).with_name("py-spy"))
    argv = [py_spy, "record", "--pid", str(master_pid), "--subprocesses", "--nonblocking"]
    argv += ["--rate", str(RATE_HZ), "--duration", str(int(seconds)), "--format", "raw"]
    argv += ["--output", str(output), "--idle" if wall else "--gil"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def _stacks(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks.append((frames.split(";"), int(count)))
    return stacks


def _package(frame: str) -> str:
    """`json` for `dumps (json/__init__.py:231)`; the file's first path part."""
    location = frame.rpartition(" (")[2].rstrip(")")
    path = location.rpartition(":")[0]
    head = path.split("/", 1)[0] if "/" in path else path.removesuffix(".py")
    return head or "?"


def _function(frame: str) -> str:
    name, _, location = frame.partition(" (")
    path = location.rpartition(":")[0]
    return f"{name} ({path})"


@dataclass(frozen=True)
class Profile:
    samples: int  # samples inside a request (REQUEST_FRAME on the stack)
    all_samples: int
    inclusive: list[tuple[str, float]]  # app functions: share of request samples below them
    leaf_packages: list[tuple[str, float]]  # where the innermost Python frame is
    leaf_functions: list[tuple[str, float]]


def summarise(path: Path, top: int = 12) -> Profile:
    """Shares of the request samples: app functions (inclusive), leaf packages and functions."""
    stacks = _stacks(path)
    in_request = [(f, n) for f, n in stacks if any(REQUEST_FRAME in x for x in f)]
    total = sum(n for _, n in in_request) or 1
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for frames, n in in_request:
        for function in {_function(x) for x in frames if APP_PACKAGE in x}:
            inclusive[function] += n
        packages[_package(frames[-1])] += n
        leaves[_function(frames[-1])] += n

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, 100 * n / total) for name, n in counter.most_common(top)]

    return Profile(
        samples=sum(n for _, n in in_request),
        all_samples=sum(n for _, n in stacks),
        inclusive=shares(inclusive),
        leaf_packages=shares(packages),
        leaf_functions=shares(leaves),
    )
