"""One row of the drill's table per fault, and the table in Markdown."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .shoppers import Answer

HEADER = ["fault", "requests", "answers by status", "violations", "recovery s", "what happened"]


@dataclass
class Row:
    fault: str
    answers: list[Answer] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    recovery: float = 0.0  # from the fault to the end of the last failed answer
    notes: list[str] = field(default_factory=list)

    def cells(self) -> list[str]:
        statuses = Counter(a.status for a in self.answers)
        by_status = ", ".join(f"{n} x {s}" for s, n in sorted(statuses.items())) or "-"
        return [
            self.fault,
            str(len(self.answers)),
            by_status,
            str(len(self.violations)),
            f"{self.recovery:.1f}",
            "; ".join(self.notes),
        ]


def markdown(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)
