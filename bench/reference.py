"""Figures measured before the hot-path work of issue 15, for the targets that are not ratios to
the baseline of the same run (PostgreSQL CPU per checkout halved, memory per worker within 10 %).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    measured: str  # when, and on which commit
    source: str  # where the figures come from
    postgres_cpu_ms_per_checkout: float  # (a) steady, app: CPU table, postgres column
    worker_rss_mib: float  # (a) steady, app: results table, peak RSS/worker MiB


# The lead's `make bench` on main before any hot-path change (started 13:33 UTC, idle machine,
# 100 % CPU idle before it), written to /tmp/bench-before.md. The report rounds RSS to whole MiB.
# For comparison, issue 15's run of 2026-12-01 measured 4.6 ms of PostgreSQL CPU per checkout;
# this run measured 23.4 ms (and 75.4 ms in (b)), so halving this figure is a weaker bar than
# halving the issue's. The figure grows with the bookings a run has written (the seat recount
# sums every pending booking of the event): a 3 s `--quick` run of the same commit measured 6.0.
REFERENCE = Reference(
    measured="2026-12-04 13:35 UTC, commit f3d628d",
    source="make bench BENCH_ARGS='--output /tmp/bench-before.md' (full run, with profiles)",
    postgres_cpu_ms_per_checkout=23.4,
    worker_rss_mib=100.0,
)
