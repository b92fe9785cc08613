"""What every report shows, computed once from a RunResult: the matrix, the totals, the outcome.

Writers (JUnit, JSON, HTML, Markdown) only lay this out, so they never disagree about a cell or a count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mmcontract.checks.catalogue import FAMILIES
from mmcontract.report.model import Coverage, Failure, RunResult

# A cell's status as shown: a verdict's status, or "known" when its only failures are in the baseline.
CELL_STATUSES = ("failed", "known", "passed", "skipped", "not-run", "none")


@dataclass
class Cell:
    operation: str
    family: str
    status: str  # one of CELL_STATUSES; "none": no verdict for this cell (family does not apply)
    cases: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def new_failures(self) -> list[Failure]:
        return [f for f in self.failures if not f.known]

    @property
    def known_failures(self) -> list[Failure]:
        return [f for f in self.failures if f.known]


@dataclass
class OperationRow:
    operation: str
    coverage: Coverage
    cells: list[Cell]

    @property
    def method(self) -> str:
        return self.operation.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return self.operation.split(" ", 1)[1] if " " in self.operation else ""

    @property
    def failures(self) -> list[Failure]:
        """New failures first, then the known ones (stable within each)."""
        return sorted((f for c in self.cells for f in c.failures), key=lambda f: f.known)

    @property
    def reach_ratio(self) -> float | None:
        c = self.coverage
        return None if not c.cases_sent else c.cases_2xx / c.cases_sent


@dataclass
class Totals:
    operations: int
    cases_sent: int
    cases_2xx: int
    failures: int
    new_failures: int
    known_failures: int
    stale_baseline: int
    cells: dict[str, int]  # status -> number of cells


@dataclass
class ReportView:
    result: RunResult
    families: list[str]
    rows: list[OperationRow]
    totals: Totals

    @property
    def outcome(self) -> str:
        return {0: "conformant", 1: "violations", 2: "could-not-run"}[self.result.exit_code]

    @property
    def headline(self) -> str:
        t = self.totals
        if self.result.errors:
            return f"could not run: {self.result.errors[0]}"
        if t.new_failures:
            known = f" ({t.known_failures} known)" if t.known_failures else ""
            return f"{t.new_failures} new contract violation{'s' * (t.new_failures != 1)}{known}"
        if t.known_failures:
            return f"no new violations ({t.known_failures} known deviation{'s' * (t.known_failures != 1)})"
        return "no contract violations"


def _ordered_operations(result: RunResult) -> list[str]:
    seen: dict[str, None] = {}
    for name in (
        *(c.operation for c in result.coverage),
        *(v.operation for v in result.verdicts),
        *(f.operation for f in result.failures),
    ):
        seen.setdefault(name, None)
    return list(seen)


def build_view(result: RunResult) -> ReportView:
    used = {v.family for v in result.verdicts} | {f.family for f in result.failures}
    families = [f for f in FAMILIES if f in used] + sorted(used - set(FAMILIES))
    verdicts = {(v.operation, v.family): v for v in result.verdicts}
    coverage = {c.operation: c for c in result.coverage}
    failures: dict[tuple[str, str], list[Failure]] = {}
    for f in result.failures:
        failures.setdefault((f.operation, f.family), []).append(f)

    rows = []
    for op in _ordered_operations(result):
        cells = []
        for fam in families:
            verdict = verdicts.get((op, fam))
            found = failures.get((op, fam), [])
            if any(not f.known for f in found):
                status = "failed"
            elif found:
                status = "known"
            elif verdict is None:
                status = "none"
            elif verdict.status == "failed":
                # The runner counted a failure but none is listed: still a failure, never hidden.
                status = "failed"
            else:
                status = verdict.status
            cells.append(Cell(op, fam, status, verdict.cases if verdict else 0, found))
        rows.append(OperationRow(op, coverage.get(op, Coverage(op)), cells))

    cell_counts = {s: 0 for s in CELL_STATUSES}
    for row in rows:
        for cell in row.cells:
            cell_counts[cell.status] += 1
    new = len(result.new_failures)
    totals = Totals(
        operations=len(rows),
        cases_sent=sum(r.coverage.cases_sent for r in rows),
        cases_2xx=sum(r.coverage.cases_2xx for r in rows),
        failures=len(result.failures),
        new_failures=new,
        known_failures=len(result.failures) - new,
        stale_baseline=len(result.stale_baseline),
        cells=cell_counts,
    )
    return ReportView(result, families, rows, totals)
