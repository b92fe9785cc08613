"""From the plugin's per-test records (JSON lines, one file per pytest process) to a RunResult.

Each contract test is attributed to its operation(s) and check family: a Schemathesis test to its operation
and the families of the built-in checks, a semantic test to what its `mm` marker says. The conformance matrix
(Verdict per operation x family), coverage (cases sent / reaching 2xx per operation) and the deduplicated
failures come out of these records; nothing here knows pytest.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mmcontract.checks.catalogue import FAMILIES_OF_SCHEMATHESIS_TEST, family_of, level_of, title_of
from mmcontract.report.model import (
    LEVELS,
    SCHEMA_SHORTFALL,
    Coverage,
    Failure,
    RunResult,
    SchemaCoverage,
    Verdict,
    percent,
)
from mmcontract.target.config import TargetConfig
from mmcontract.target.operations import operations
from mmcontract.target.reproduce import strip_secret

SUITE_FAMILY = "suite"  # a contract test that did not say what it checks
MAX_NAMED = 8  # operations named in one incomplete reason before "and N more"


@dataclass
class RunSight:
    """What a run saw, beyond the matrix: what completeness is judged on."""

    coverage: list[Coverage]
    list_pages: dict[str, tuple[int, int]]  # operation -> (2xx list pages, pages that held an item)
    target: TargetConfig
    nothing_writable: str | None = (
        None  # writes allowed, no registered model to write to: why (plugin record)
    )
    schema_coverage: list[SchemaCoverage] = field(default_factory=list)


# Completeness rules: each names what the run could not look at (one reason per line).
CompletenessRule = Callable[[RunSight], list[str]]


def _is_write(operation: str) -> bool:
    """Whether an operation label ("METHOD /path") is a write: anything but a GET (the contract has no HEAD)."""
    return operation.split(" ", 1)[0] != "GET"


def _named(ops: list[str]) -> str:
    more = f" and {len(ops) - MAX_NAMED} more" if len(ops) > MAX_NAMED else ""
    return ", ".join(ops[:MAX_NAMED]) + more


def _expected(sight: RunSight) -> list[Coverage]:
    """The operations the run promised to exercise: every read, and the writes when writes are allowed; a
    selection of checks (--check) promises only the operations it sent something to."""
    ops = [c for c in sight.coverage if sight.target.allow_writes or not _is_write(c.operation)]
    if sight.target.checks:
        ops = [c for c in ops if c.cases_sent]
    return ops


def _nothing_exercised(sight: RunSight) -> list[str]:
    """The selection left the run nothing to exercise (a --check that sent nothing, only write operations without
    --allow-writes): nothing was looked at, which is not a pass."""
    if _expected(sight):
        return []
    writes = [c.operation for c in sight.coverage if _is_write(c.operation)]
    hint = " (write operations need --allow-writes)" if writes and not sight.target.allow_writes else ""
    return [
        f"the run exercised no operation: the selection (--check, --operation) left nothing to send{hint}"
    ]


def _nothing_writable(sight: RunSight) -> list[str]:
    """Writes allowed, but no registered model could be created and none was named: say why and what fixes it."""
    if not sight.target.allow_writes or not sight.nothing_writable:
        return []
    return [
        f"writes were allowed but there was no registered model to write to (PATCH, sharing, DELETE were not "
        f"tested): {sight.nothing_writable}; pass --writable-registered-model ID (a registered model the suite "
        "may change; it is restored after each write test, DELETE archives it for good)"
    ]


def _writes_impossible(sight: RunSight) -> list[str]:
    writes = [c for c in _expected(sight) if _is_write(c.operation)]
    if not sight.target.allow_writes or not writes or any(c.cases_2xx for c in writes):
        return []
    if sight.nothing_writable:
        return []  # _nothing_writable says why, and what fixes it
    why = (
        "no --leaderboard-model-id, so nothing could be created to write to"
        if not sight.target.leaderboard_model_id
        else "no write reached a 2xx"
    )
    return [
        f"writes were allowed (--allow-writes) but none of the {len(writes)} write operations succeeded: {why}"
    ]


def _never_2xx(sight: RunSight) -> list[str]:
    expected = _expected(sight)
    writes_failed = bool(_writes_impossible(sight))
    missing = [
        c.operation for c in expected if not c.cases_2xx and not (writes_failed and _is_write(c.operation))
    ]
    if not missing:
        return []
    n = len(missing)
    return [f"{n} operation{'s' * (n != 1)} never reached a 2xx answer: {_named(missing)}"]


def _empty_lists(sight: RunSight) -> list[str]:
    empty = [op for op, (pages, full) in sight.list_pages.items() if pages and not full]
    if not empty:
        return []
    n = len(empty)
    return [
        f"{n} list{'s' * (n != 1)} never returned an item (nothing to check items, filters and ordering on): "
        f"{_named(empty)}"
    ]


def _schema_shortfall(sight: RunSight) -> list[str]:
    """--min-schema-coverage: response-schema nodes seen / (total - not present on the target), at the requested
    level, below the floor."""
    floor = sight.target.min_schema_coverage
    rows = [c for c in sight.schema_coverage if c.level == sight.target.level]
    if floor is None:
        return []
    seen = sum(c.seen for c in rows)
    reachable = sum(c.total - len(c.not_present) for c in rows)
    if not reachable:  # percent() of nothing is 100: a floor that measured nothing must say so, and fail
        return [
            f"{SCHEMA_SHORTFALL}no response-schema node was reachable at level {sight.target.level}, so "
            f"--min-schema-coverage {floor:g}% measured nothing"
        ]
    reached = percent(seen, reachable)
    if reached >= floor:
        return []
    gaps = [f"{c.operation} {c.status}: {node}" for c in rows for node in c.not_seen]
    return [
        f"{SCHEMA_SHORTFALL}{reached:g}% is below --min-schema-coverage {floor:g}%: "
        f"{len(gaps)} node{'s' * (len(gaps) != 1)} not seen: {_named(gaps)}"
    ]


COMPLETENESS_RULES: list[CompletenessRule] = [
    _nothing_exercised,
    _never_2xx,
    _writes_impossible,
    _nothing_writable,
    _empty_lists,
    _schema_shortfall,
]


def incomplete_reasons(sight: RunSight) -> list[str]:
    """Why the run could not look at everything its profile promises (empty: complete)."""
    return [reason for rule in COMPLETENESS_RULES for reason in rule(sight)]


def usage_error(results_dir: Path) -> str | None:
    """A usage error the suite found mid-run (e.g. a --leaderboard-model-id the target refuses), or None."""
    for record in read_records(results_dir):
        if record.get("kind") == "usage-error":
            return str(record.get("message"))
    return None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def read_records(results_dir: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for file in sorted(Path(results_dir).glob("results-*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    continue
    return records


def last_cleanup(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The last `cleanup` record (the runner's, when it finished an interrupted child's clean-up), or None."""
    return next((r for r in reversed(records) if r.get("kind") == "cleanup"), None)


@dataclass
class _Cell:
    passed: int = 0
    skipped: int = 0
    failed: int = 0
    cases: int = 0
    failures: int = 0


@dataclass
class Tally:
    """Test outcomes of a run, for the one-line summary."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    cleanup: str | None = None  # the clean-up's one-line summary (writes runs)


def _clean(text: Any, token: str | None) -> str | None:
    if text is None:
        return None
    from mmcontract.report.redact import redact

    return redact(strip_secret(str(text), token) or "")


def _failure(raw: dict[str, Any], token: str | None) -> Failure:
    code = str(raw.get("check") or "MM000")
    level = raw.get("level")
    family = raw.get("family") or (family_of(code) if code != "MM000" else SUITE_FAMILY)
    return Failure(
        operation=str(raw.get("operation") or "(no operation)"),
        check=code,
        title=_clean(raw.get("title") or title_of(code), token) or code,
        family=str(family),
        message=_clean(raw.get("message"), token) or "",
        basis=_clean(raw.get("basis"), token) or "contract openapi/model_management.yaml",
        expected=_clean(raw.get("expected"), token),
        actual=_clean(raw.get("actual"), token),
        curl=_clean(raw.get("curl"), token),
        response_excerpt=_clean(raw.get("response_excerpt"), token),
        level=level if level in LEVELS else level_of(code),
    )


def build_result(
    results_dir: Path,
    target: TargetConfig,
    *,
    started_at: str | None,
    finished_at: str | None = None,
    errors: list[str] | None = None,
) -> tuple[RunResult, Tally]:
    from mmcontract import spec

    records = read_records(results_dir)
    all_ops = [op.label for op in operations()]
    cells: dict[tuple[str, str], _Cell] = defaultdict(_Cell)
    failures: list[Failure] = []
    seen_signatures: set[str] = set()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    run_errors = list(errors or [])
    tally = Tally()
    leftovers: list[str] = []
    not_restored: list[str] = []  # named registered models (--writable-registered-model) not put back
    nothing_writable: str | None = None

    for record in records:
        kind = record.get("kind")
        if kind == "nothing-writable":
            nothing_writable = _clean(str(record.get("reason") or ""), target.token) or "unknown"
            continue
        if kind == "not-restored":
            not_restored.append(_clean(f"not restored: {record.get('line')}", target.token) or "")
            continue
        if kind == "coverage":
            for op, numbers in record.get("counts", {}).items():
                for i, n in enumerate(list(numbers)[:4]):  # sent, 2xx, 2xx list pages, pages with an item
                    counts[op][i] += int(n)
            continue
        if (
            kind == "cleanup"
        ):  # the last clean-up (the runner's finishes an interrupted child's) says what is left
            leftovers = [_clean(line, target.token) or "" for line in record.get("leftovers") or []]
            tally.cleanup = str(record.get("summary") or "")
            continue
        if kind == "error":
            run_errors.append(f"{record.get('nodeid')}: {record.get('error')}")
            continue
        if kind != "item":
            continue
        outcome = record.get("outcome")
        item_failures = [_failure(raw, target.token) for raw in record.get("failures", [])]
        if outcome == "error":
            tally.errors += 1
            run_errors.append(f"{record.get('nodeid')}: {_clean(record.get('error'), target.token)}")
            continue
        ops = [op for op in record.get("operations") or [] if op] or sorted(
            {f.operation for f in item_failures}
        )
        if record.get("schemathesis"):
            families = list(FAMILIES_OF_SCHEMATHESIS_TEST)
        elif record.get("code"):
            families = [family_of(record["code"])]
        else:
            families = sorted({f.family for f in item_failures}) or [SUITE_FAMILY]
        for failure in item_failures:
            if failure.family not in families:
                families.append(failure.family)
        if outcome == "skipped":
            tally.skipped += 1
            reason = str(record.get("skip_reason") or "skipped")
            tally.skip_reasons[reason] = tally.skip_reasons.get(reason, 0) + 1
        elif outcome == "failed":
            tally.failed += 1
        else:
            tally.passed += 1
        for op in ops or ["(no operation)"]:
            for family in families:
                cell = cells[(op, family)]
                cell.cases += int(record.get("cases") or 0) if record.get("schemathesis") else 1
                own = [f for f in item_failures if f.operation == op and f.family == family]
                if own:
                    cell.failed += 1
                    cell.failures += len(own)
                elif outcome == "skipped":
                    cell.skipped += 1
                else:
                    cell.passed += 1
        for failure in item_failures:
            if failure.signature in seen_signatures:
                continue
            seen_signatures.add(failure.signature)
            failures.append(failure)
            if (failure.operation, failure.family) not in cells:
                cells[(failure.operation, failure.family)] = _Cell(failed=1, failures=1)

    if target.operations:  # a restricted run reports only what it was asked to test
        all_ops = [op for op in all_ops if op in target.operations]
    verdicts: list[Verdict] = []
    ordered_ops = all_ops + sorted({op for op, _ in cells} - set(all_ops))
    for op in ordered_ops:
        families_here = [fam for (o, fam) in cells if o == op]
        if not families_here and op in all_ops:
            verdicts += [Verdict(op, fam, "not-run") for fam in FAMILIES_OF_SCHEMATHESIS_TEST]
        for fam in families_here:
            cell = cells[(op, fam)]
            status = (
                "failed"
                if cell.failed
                else "passed"
                if cell.passed
                else "skipped"
                if cell.skipped
                else "not-run"
            )
            verdicts.append(Verdict(op, fam, status, cases=cell.cases, failures=cell.failures))

    coverage = [Coverage(op, cases_sent=counts[op][0], cases_2xx=counts[op][1]) for op in all_ops]
    coverage += [
        Coverage(op, counts[op][0], counts[op][1])
        for op in sorted(set(counts) - set(all_ops))
        if counts[op][0]
    ]
    list_pages = {op: (counts[op][2], counts[op][3]) for op in all_ops if op in counts}
    schema_rows = schema_coverage_of(records, target)
    sight = RunSight(
        coverage=coverage,
        list_pages=list_pages,
        target=target,
        nothing_writable=nothing_writable,
        schema_coverage=schema_rows,
    )
    result = RunResult(
        target=target.base_url,
        spec_path=str(spec.SPEC_PATH),
        spec_hash=spec.spec_hash(),
        seed=target.seed,
        profile=target.profile,
        started_at=started_at or now_iso(),
        finished_at=finished_at or now_iso(),
        allow_writes=target.allow_writes,
        verdicts=verdicts,
        coverage=coverage,
        failures=failures,
        errors=run_errors,
        level=target.level,
        incomplete=[] if run_errors else incomplete_reasons(sight),
        skipped=dict(tally.skip_reasons),
        leftovers=leftovers + not_restored,
        schema_coverage=schema_rows,
        min_schema_coverage=target.min_schema_coverage,
    )
    return result, tally


def schema_coverage_of(records: list[dict[str, Any]], target: TargetConfig) -> list[SchemaCoverage]:
    """Response-schema coverage from every process's `schema-coverage` record: the page level, and the client
    level too at --level client (target/schema_coverage.py)."""
    from mmcontract.target import schema_coverage

    merged = schema_coverage.merge(records)
    levels = ("page", "client") if target.level == "client" else ("page",)
    rows = [row for level in levels for row in schema_coverage.coverage_of(level, merged)]
    if target.operations:
        rows = [row for row in rows if row.operation in target.operations]
    if target.checks:  # a selection of checks promises only the answers it saw
        rows = [row for row in rows if row.seen]
    if not target.allow_writes:  # a read-only run promises no write's answer
        rows = [row for row in rows if row.seen or not _is_write(row.operation)]
    return rows


def write_reports_guarded(result: RunResult, report_dir: Path) -> list[Path]:
    """Write the reports through mmcontract.report (the reports engineer's writers)."""
    try:
        from mmcontract.report import write_reports
    except ImportError:  # pragma: no cover - the writers ship with the package
        return []
    return write_reports(result, Path(report_dir))
