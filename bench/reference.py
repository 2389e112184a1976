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


# PostgreSQL CPU: issue 15's own figure (its `make bench` of 2026-12-01, 13 round trips per
# checkout), the stricter of the two measured before the work. The lead's run on main before
# any hot-path change (2026-12-04 13:35 UTC, commit f3d628d, idle machine) measured 23.4 ms
# (75.4 ms in (b)): the seat-hold-limit counts added since the issue hash-joined every order of
# the shop, so the figure grew with the orders a run wrote. Halving 23.4 would be a weak bar.
# Memory: that 13:35 run (the report rounds RSS to whole MiB).
REFERENCE = Reference(
    measured="PostgreSQL: 2026-12-01 (issue 15); RSS: 2026-12-04 13:35 UTC, commit f3d628d",
    source="issue 15's table; make bench BENCH_ARGS='--output /tmp/bench-before.md'",
    postgres_cpu_ms_per_checkout=4.6,
    worker_rss_mib=100.0,
)
