"""What every report shows, computed once from a RunResult: the matrix, the totals, the outcome, the verdict
per level, the reasons a run is incomplete and why tests were skipped.

Writers (JUnit, JSON, HTML, Markdown) and the terminal summary only lay this out, so they never disagree about
a cell or a count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mmcontract.checks.catalogue import FAMILIES
from mmcontract.report.model import LEVELS, Coverage, Failure, Level, RunResult, SchemaCoverage, percent

# A cell's status as shown: a verdict's status, "known" when its only failures are in the baseline, "client"
# when it passes the page but breaks the official client (information only at a page-level run).
CELL_STATUSES = ("failed", "known", "client", "passed", "skipped", "not-run", "none")
LEVEL_NAMES: dict[str, str] = {"page": "the page", "client": "the official client"}
OUTCOME_WORDS = {
    "conformant": "conformant",
    "violations": "violations",
    "incomplete": "incomplete",
    "could-not-run": "could not run",
}


@dataclass
class Cell:
    operation: str
    family: str
    status: str  # one of CELL_STATUSES; "none": no verdict for this cell (family does not apply)
    cases: int = 0
    failures: list[Failure] = field(default_factory=list)
    level: Level = "page"  # the run's requested level: which failures count

    @property
    def new_failures(self) -> list[Failure]:
        """Failures that fail the run: not in the baseline, and breaking the requested level."""
        return [f for f in self.failures if not f.known and f.breaks(self.level)]

    @property
    def info_failures(self) -> list[Failure]:
        """Client-level breakages at a page-level run: reported as information, never as failures."""
        return [f for f in self.failures if not f.known and not f.breaks(self.level)]

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
        """New failures first, then client-level information, then the known ones (stable within each)."""
        level = self.cells[0].level if self.cells else "page"
        return sorted(
            (f for c in self.cells for f in c.failures),
            key=lambda f: (f.known, not f.breaks(level)),
        )

    @property
    def reach_ratio(self) -> float | None:
        c = self.coverage
        return None if not c.cases_sent else c.cases_2xx / c.cases_sent


@dataclass
class Totals:
    operations: int  # rows of the matrix
    tested: int  # operations that were sent at least one case
    reached_2xx: int  # operations with at least one 2xx answer
    cases_sent: int
    cases_2xx: int
    failures: int
    new_failures: int  # fail the run (requested level, not in the baseline)
    known_failures: int
    client_failures: int  # client-level breakages shown as information at a page-level run
    stale_baseline: int
    skipped_tests: int
    cells: dict[str, int]  # status -> number of cells


@dataclass
class LevelVerdict:
    """The verdict at one level: the new (unbaselined) failures that break it."""

    level: Level
    failures: list[Failure]  # breaking this level, not in the baseline
    judged: bool  # False when the run could not run
    requested: bool  # the run's exit code follows this level

    @property
    def status(self) -> str:
        if not self.judged:
            return "could-not-run"
        return "violations" if self.failures else "conformant"

    @property
    def text(self) -> str:
        n = len(self.failures)
        if self.level == "page":
            if not self.judged:
                return "Conforms to the page: not judged"
            return (
                "Conforms to the page: yes"
                if not n
                else f"Conforms to the page: no ({n} violation{'s' * (n != 1)})"
            )
        if not self.judged:
            return "Official client: not judged"
        return "Official client: works" if not n else f"Official client: {n} breakage{'s' * (n != 1)}"


@dataclass
class ReportView:
    result: RunResult
    families: list[str]
    rows: list[OperationRow]
    totals: Totals

    @property
    def outcome(self) -> str:
        return self.result.outcome

    @property
    def levels(self) -> list[LevelVerdict]:
        judged = not self.result.errors
        return [
            LevelVerdict(
                level,
                [f for f in self.result.failures_at(level) if not f.known],
                judged,
                level == self.result.level,
            )
            for level in LEVELS
        ]

    @property
    def verdict_line(self) -> str:
        """One verdict per level: "Conforms to the page: yes · Official client: 3 breakages"."""
        return " · ".join(v.text for v in self.levels)

    @property
    def client_breakages(self) -> list[Failure]:
        """Breakages of the official client alone (the page is not broken), each with its client call."""
        return [f for f in self.result.failures if f.level == "client" and not f.known and f.side == "server"]

    @property
    def client_requests(self) -> list[Failure]:
        """Findings about what a client sent (observed traffic only); they never fail a run."""
        return [f for f in self.result.failures if f.side == "client-request"]

    @property
    def skip_groups(self) -> list[tuple[str, int]]:
        """Why tests were skipped, most frequent first: [("no writable registered model", 18), ...]."""
        return sorted(self.result.skipped.items(), key=lambda item: (-item[1], item[0]))

    @property
    def outcome_line(self) -> str:
        """The run's outcome in words, with its exit code and the gate that set it."""
        r = self.result
        word = OUTCOME_WORDS[r.outcome]
        level = LEVEL_NAMES[r.level]
        if r.outcome == "could-not-run":
            return f"result: could not run (exit {r.exit_code}): {r.errors[0]}"
        if r.outcome == "violations":
            n = len(r.new_failures)
            return f"result: {n} violation{'s' * (n != 1)} of {level} (exit {r.exit_code})"
        if r.outcome == "incomplete":
            n = len(r.incomplete)
            gate = r.gate if r.incomplete_fails else "pass --require-complete to fail on it"
            return f"result: incomplete, {n} reason{'s' * (n != 1)} (exit {r.exit_code}; {gate})"
        return f"result: {word} to {level} (exit {r.exit_code})"

    @property
    def headline(self) -> str:
        t = self.totals
        r = self.result
        if r.errors:
            return f"could not run: {r.errors[0]}"
        known = f" ({t.known_failures} known)" if t.known_failures else ""
        if t.new_failures:
            return f"{t.new_failures} new contract violation{'s' * (t.new_failures != 1)}{known}"
        if r.incomplete:
            n = len(r.incomplete)
            return f"no new violations, but incomplete ({n} reason{'s' * (n != 1)}){known}"
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
            if any(not f.known and f.breaks(result.level) for f in found):
                status = "failed"
            elif any(not f.known for f in found):
                status = "client"
            elif found:
                status = "known"
            elif verdict is None:
                status = "none"
            elif verdict.status == "failed":
                # The runner counted a failure but none is listed: still a failure, never hidden.
                status = "failed"
            else:
                status = verdict.status
            cells.append(Cell(op, fam, status, verdict.cases if verdict else 0, found, result.level))
        rows.append(OperationRow(op, coverage.get(op, Coverage(op)), cells))

    cell_counts = {s: 0 for s in CELL_STATUSES}
    for row in rows:
        for cell in row.cells:
            cell_counts[cell.status] += 1
    new = len(result.new_failures)
    known = sum(1 for f in result.failures if f.known)
    totals = Totals(
        operations=len(rows),
        tested=sum(1 for r in rows if r.coverage.cases_sent),
        reached_2xx=sum(1 for r in rows if r.coverage.cases_2xx),
        cases_sent=sum(r.coverage.cases_sent for r in rows),
        cases_2xx=sum(r.coverage.cases_2xx for r in rows),
        failures=len(result.failures),
        new_failures=new,
        known_failures=known,
        client_failures=sum(1 for f in result.failures if f.side == "server") - new - known,
        stale_baseline=len(result.stale_baseline),
        skipped_tests=sum(result.skipped.values()),
        cells=cell_counts,
    )
    return ReportView(result, families, rows, totals)


def counts_line(view: ReportView) -> str:
    """The counts every report gives, worded once: operations, tested, reached 2xx, cases."""
    t = view.totals
    return (
        f"{t.operations} operations: {t.tested} tested, {t.reached_2xx} reached a 2xx; "
        f"{t.cases_sent} cases sent ({t.cases_2xx} 2xx)"
    )


def skip_lines(view: ReportView) -> list[str]:
    """Skipped tests grouped by reason: "18 skipped: no writable registered model"."""
    return [f"{n} skipped: {reason}" for reason, n in view.skip_groups]


def client_call(failure: Failure) -> str:
    """A client breakage in one line: its check, operation and the client call that breaks (the title and the
    message's first line say which datarobot call fails and why)."""
    first = failure.message.splitlines()[0] if failure.message else ""
    return f"{failure.check} {failure.operation}: {failure.title}" + (f": {first}" if first else "")


def stale_line(entry: dict[str, object]) -> str:
    reason = f" ({entry['reason']})" if entry.get("reason") else ""
    return f"{entry.get('check')} {entry.get('operation')} {entry.get('signature')}{reason}"


def schema_rows(result: RunResult, level: Level | None = None) -> list[SchemaCoverage]:
    """Response-schema coverage rows at `level` (default: the requested level), in contract order."""
    return [c for c in result.schema_coverage if c.level == (level or result.level)]


def schema_coverage_line(result: RunResult, level: Level | None = None) -> str | None:
    """ "response schema: 412/436 nodes seen (94.5%); 18 not present on the target", or None when the run
    validated no answer with a schema. The percent counts seen / (total - not present)."""
    rows = schema_rows(result, level)
    if not rows:
        return None
    seen, total, absent = result.schema_totals(level)
    line = f"response schema: {seen}/{total - absent} nodes seen ({percent(seen, total - absent):g}%)"
    line += f"; {absent} not present on the target"
    if (level or result.level) == "client":
        line = line.replace("response schema:", "response schema (client level):", 1)
    if result.min_schema_coverage is not None:
        line += f" (--min-schema-coverage {result.min_schema_coverage:g}%)"
    return line


def schema_by_operation(result: RunResult, level: Level | None = None) -> dict[str, tuple[int, int]]:
    """operation -> (seen, reachable) over its statuses: the report's coverage column."""
    cells: dict[str, tuple[int, int]] = {}
    for row in schema_rows(result, level):
        seen, reachable = cells.get(row.operation, (0, 0))
        cells[row.operation] = (seen + row.seen, reachable + row.total - len(row.not_present))
    return cells
