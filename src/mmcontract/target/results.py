"""From the plugin's per-test records (JSON lines, one file per pytest process) to a RunResult.

Each contract test is attributed to its operation(s) and check family: a Schemathesis test to its operation
and the families of the built-in checks, a semantic test to what its `mm` marker says. The conformance matrix
(Verdict per operation x family), coverage (cases sent / reaching 2xx per operation) and the deduplicated
failures come out of these records; nothing here knows pytest.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mmcontract.checks.catalogue import FAMILIES_OF_SCHEMATHESIS_TEST, family_of, level_of, title_of
from mmcontract.report.model import LEVELS, Coverage, Failure, RunResult, Verdict
from mmcontract.target.config import TargetConfig
from mmcontract.target.operations import operations
from mmcontract.target.reproduce import strip_secret

SUITE_FAMILY = "suite"  # a contract test that did not say what it checks


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
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    run_errors = list(errors or [])
    tally = Tally()

    for record in records:
        kind = record.get("kind")
        if kind == "coverage":
            for op, (sent, ok) in record.get("counts", {}).items():
                counts[op][0] += int(sent)
                counts[op][1] += int(ok)
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
    coverage += [Coverage(op, *counts[op]) for op in sorted(set(counts) - set(all_ops)) if counts[op][0]]
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
    )
    return result, tally


def write_reports_guarded(result: RunResult, report_dir: Path) -> list[Path]:
    """Write the reports through mmcontract.report (the reports engineer's writers)."""
    try:
        from mmcontract.report import write_reports
    except ImportError:  # pragma: no cover - the writers ship with the package
        return []
    return write_reports(result, Path(report_dir))
