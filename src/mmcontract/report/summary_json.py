"""summary.json: the machine-readable result, following the versioned schema shipped beside this module."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from mmcontract import __version__
from mmcontract.report.model import Failure, RunResult, percent
from mmcontract.report.redact import redact, redact_all
from mmcontract.report.view import build_view

SCHEMA_VERSION = (
    "2.1"  # 2.0: levels, outcome "incomplete", completeness, leftovers, skip reasons; 2.1: schema_coverage
)
FILENAME = "summary.json"


@cache
def load_schema() -> dict[str, Any]:
    return json.loads(resources.files("mmcontract.report").joinpath("summary.schema.json").read_text())


def validate(document: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError if `document` does not follow summary.schema.json."""
    schema = load_schema()
    jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker()).validate(
        document
    )


def _failure(f: Failure) -> dict[str, Any]:
    return {
        "operation": f.operation,
        "check": f.check,
        "title": f.title,
        "family": f.family,
        "message": f.message,
        "basis": f.basis,
        "expected": f.expected,
        "actual": f.actual,
        "curl": f.curl,
        "response_excerpt": f.response_excerpt,
        "signature": f.signature,
        "known": f.known,
        "baseline_reason": f.baseline_reason,
        "level": f.level,
    }


def build_summary(result: RunResult) -> dict[str, Any]:
    result = redact_all(result)
    view = build_view(result)
    t = view.totals
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "mmcontract", "version": __version__},
        "target": result.target,
        "spec": {"path": result.spec_path, "sha256": result.spec_hash},
        "seed": result.seed,
        "profile": result.profile,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "allow_writes": result.allow_writes,
        "level": result.level,
        "outcome": view.outcome,
        "exit_code": result.exit_code,
        "require_complete": result.require_complete,
        "levels": {
            v.level: {"verdict": v.status, "failures": len(v.failures), "requested": v.requested}
            for v in view.levels
        },
        "incomplete": list(result.incomplete),
        "leftovers": list(result.leftovers),
        "skipped": [{"reason": reason, "tests": n} for reason, n in view.skip_groups],
        "totals": {
            "operations": t.operations,
            "tested": t.tested,
            "reached_2xx": t.reached_2xx,
            "cases_sent": t.cases_sent,
            "cases_2xx": t.cases_2xx,
            "failures": t.failures,
            "new_failures": t.new_failures,
            "known_failures": t.known_failures,
            "client_failures": t.client_failures,
            "stale_baseline": t.stale_baseline,
            "skipped_tests": t.skipped_tests,
            "cells": t.cells,
        },
        "families": view.families,
        "operations": [
            {
                "operation": row.operation,
                "cases_sent": row.coverage.cases_sent,
                "cases_2xx": row.coverage.cases_2xx,
                "verdicts": {
                    cell.family: {
                        "status": cell.status,
                        "cases": cell.cases,
                        "failures": len(cell.new_failures),
                        "known_failures": len(cell.known_failures),
                        "client_failures": len(cell.info_failures),
                    }
                    for cell in row.cells
                    if cell.status != "none"
                },
            }
            for row in view.rows
        ],
        "failures": [_failure(f) for f in result.failures],
        "stale_baseline": [dict(e) for e in result.stale_baseline],
        "errors": list(result.errors),
        "schema_coverage": _schema_coverage(result),
    }


def _schema_coverage(result: RunResult) -> dict[str, Any]:
    levels = {}
    for level in dict.fromkeys(c.level for c in result.schema_coverage):
        seen, total, absent = result.schema_totals(level)
        levels[level] = {
            "seen": seen,
            "total": total,
            "not_present": absent,
            "percent": percent(seen, total - absent),
        }
    return {
        "level": result.level,
        "min_percent": result.min_schema_coverage,
        "levels": levels,
        "operations": [
            {
                "operation": c.operation,
                "status": c.status,
                "level": c.level,
                "seen": c.seen,
                "total": c.total,
                "percent": c.percent,
                "not_present": list(c.not_present),
                "not_seen": list(c.not_seen),
            }
            for c in result.schema_coverage
        ],
    }


def write(result: RunResult, report_dir: Path) -> Path:
    document = build_summary(result)
    validate(document)
    path = report_dir / FILENAME
    path.write_text(redact(json.dumps(document, indent=2, ensure_ascii=False)) + "\n", encoding="utf-8")
    return path
