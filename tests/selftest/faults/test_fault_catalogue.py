"""Proof that the checks fire: the suite is clean on the reference server and fails it on every fault.

For each fault of `mmcontract serve --fault` (src/mmcontract/reference/faults.py) the table says which check
codes may catch it (any one of them must appear in the run's failures) and which operations the run may be
restricted to (so each proof stays small). A new fault needs a row here; a new check needs a fault.

The runs go through the runner's Python API (`mmcontract.runner.run`, the same code path as `mmcontract run`):
embedded server in this process, the suite in a child pytest, quick profile, fixed seed, only the tests of the
expected checks (internal options --check/--operation keep each proof to a few seconds). They run
MMCONTRACT_FAULT_WORKERS at a time (default 2); under pytest-xdist each worker runs only its own faults.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mmcontract.reference.faults import BY_NAME
from mmcontract.report.model import RunResult
from mmcontract.runner import RunOptions, run

pytestmark = pytest.mark.slow

SEED = 20261127
CLEAN = "(none)"

RM_LIST = "GET /registeredModels/"
RM_GET = "GET /registeredModels/{registeredModelId}/"
RM_PATCH = "PATCH /registeredModels/{registeredModelId}/"
RM_DELETE = "DELETE /registeredModels/{registeredModelId}/"
RM_SHARE = "PATCH /registeredModels/{registeredModelId}/sharedRoles/"
VERSION_GET = "GET /registeredModels/{registeredModelId}/versions/{versionId}/"
VERSION_DEPLOYMENTS = "GET /registeredModels/{registeredModelId}/versions/{versionId}/deployments/"
MP_LIST = "GET /modelPackages/"
MP_GET = "GET /modelPackages/{modelPackageId}/"
MP_CREATE = "POST /modelPackages/fromLeaderboard/"
MP_ARCHIVE = "POST /modelPackages/{modelPackageId}/archive/"
MP_CAPABILITIES = "GET /modelPackages/{modelPackageId}/capabilities/"
MP_FEATURES = "GET /modelPackages/{modelPackageId}/features/"
MP_LOGS = "GET /modelPackages/{modelPackageId}/modelLogs/"
MP_SHARED_ROLES = "GET /modelPackages/{modelPackageId}/sharedRoles/"
RM_SHARED_ROLES = "GET /registeredModels/{registeredModelId}/sharedRoles/"
RM_DEPLOYMENTS = "GET /registeredModels/{registeredModelId}/deployments/"
RM_VERSIONS = "GET /registeredModels/{registeredModelId}/versions/"

# fault -> (check codes of which at least one must be reported, operations the run is restricted to)
EXPECTED: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "schema-missing-required": (frozenset({"ST108"}), (RM_GET,)),
    "schema-wrong-type": (frozenset({"ST108"}), (MP_LIST, MP_GET)),
    "schema-bad-enum": (frozenset({"ST108"}), (MP_LIST, MP_GET)),
    "schema-null-not-nullable": (frozenset({"ST108"}), (RM_LIST, RM_GET)),
    "schema-bad-datetime": (frozenset({"ST108"}), (RM_LIST, RM_GET)),
    "item-shared-roles-bad-enum": (frozenset({"ST108"}), (RM_SHARED_ROLES,)),
    "item-package-shared-roles-missing-required": (frozenset({"ST108"}), (MP_SHARED_ROLES,)),
    "item-features-wrong-type": (frozenset({"ST108"}), (MP_FEATURES,)),
    "item-versions-bad-enum": (frozenset({"ST108"}), (RM_VERSIONS,)),
    # caught through the full pages (mmcontract.st.full_pages): generated cases miss the items that carry them
    "item-model-logs-over-max": (frozenset({"ST108"}), (MP_LOGS,)),
    "item-deployments-missing-required": (frozenset({"ST108"}), (RM_DEPLOYMENTS,)),
    "item-version-deployments-wrong-type": (frozenset({"ST108"}), (VERSION_DEPLOYMENTS,)),
    "status-create-200": (frozenset({"ST103"}), (MP_CREATE,)),
    "status-archive-200": (frozenset({"ST103"}), (MP_ARCHIVE,)),
    "status-missing-410": (frozenset({"ST103"}), (RM_GET,)),
    "status-delete-200": (frozenset({"ST103"}), (RM_DELETE,)),
    "content-type-text": (frozenset({"ST104", "ST105", "ST106"}), (RM_LIST,)),
    "content-type-missing": (frozenset({"ST104", "ST105", "ST106"}), (MP_CAPABILITIES,)),
    "page-count-mismatch": (frozenset({"MM101"}), (RM_LIST,)),
    "page-limit-ignored": (frozenset({"MM101"}), (MP_LIST,)),
    "page-next-relative": (frozenset({"MM105"}), (RM_LIST,)),
    "page-next-last-not-null": (frozenset({"MM104"}), (RM_LIST,)),
    "page-offset-skip": (frozenset({"MM103"}), (RM_LIST,)),
    "page-next-drops-filter": (frozenset({"MM105"}), (RM_LIST,)),
    "page-total-page-local": (frozenset({"MM102"}), (RM_LIST,)),
    "order-direction-ignored": (frozenset({"MM201"}), (RM_LIST,)),
    "order-orderby-ignored": (frozenset({"MM202"}), (MP_FEATURES,)),
    "filter-features-search-case-sensitive": (frozenset({"MM301"}), (MP_FEATURES,)),
    "filter-stage-ignored": (frozenset({"MM302"}), (RM_LIST,)),
    "filter-isglobal-inverted": (frozenset({"MM302"}), (RM_LIST,)),
    "filter-time-offset-ignored": (frozenset({"MM303"}), (RM_LIST,)),
    "write-patch-not-persisted": (frozenset({"MM401"}), (RM_PATCH,)),
    "write-delete-keeps-versions": (frozenset({"MM402"}), (RM_DELETE,)),
    "write-archive-noop": (frozenset({"MM403"}), (MP_ARCHIVE,)),
    "write-sharing-invisible": (frozenset({"MM404"}), (RM_SHARE,)),
    "write-sharing-no-owner-allowed": (frozenset({"MM405"}), (RM_SHARE,)),
    "write-sharing-unknown-user-accepted": (frozenset({"MM406"}), (RM_SHARE,)),
    "validation-maxlength-ignored": (frozenset({"MM501", "ST201"}), (RM_PATCH,)),
    "validation-bounds-ignored": (frozenset({"MM501", "ST201"}), (MP_CREATE,)),
    "reject-valid-sort-desc": (frozenset({"MM502", "ST202"}), (RM_LIST,)),
    "reject-valid-capital-true": (frozenset({"MM502", "ST202"}), (MP_FEATURES,)),
    # 422 is also the page's answer to a model it cannot package: only the pair (MM503) tells them apart
    "reject-create-name-null": (frozenset({"MM503"}), (MP_CREATE,)),
    "robust-500-negative-offset": (frozenset({"ST101"}), (RM_LIST,)),
    "robust-500-non-ascii-search": (frozenset({"ST101"}), (MP_LIST,)),
    # caught through the hostile strings (mmcontract.st.hostile): generated strings rarely hold a % or 65 characters
    "robust-500-search-percent": (frozenset({"ST101"}), (RM_LIST,)),
    # an out-of-enum value may be refused or ignored (x-mm-lenient-invalid), never a server error
    "robust-500-unknown-sort-key": (frozenset({"MM501", "ST101"}), (RM_LIST,)),
    "robust-500-long-path-id": (frozenset({"ST101"}), (MP_FEATURES, MP_LOGS)),
    "auth-missing-token-accepted": (frozenset({"MM701", "ST401", "ST203"}), (RM_LIST,)),
    "auth-wrong-token-accepted": (frozenset({"MM702", "ST401"}), (RM_LIST,)),
    "isolation-version-any-model": (frozenset({"MM601"}), (VERSION_GET,)),
    "isolation-deployments-any-model": (frozenset({"MM601"}), (VERSION_DEPLOYMENTS,)),
}

# Faults no suite check can see in one run (a race, a crash): the reference server's own tests prove that the
# safety tests fire on them. fault -> the test that fails on it
PROVEN_BY_REFERENCE_TESTS: dict[str, str] = {
    "write-lost-update": "tests/selftest/reference/test_concurrency.py::test_lost_updates_are_detected",
    "write-ack-before-commit": (
        "tests/selftest/reference/test_durability.py::test_lost_acknowledged_writes_are_detected"
    ),
}

# Faults caught by a semantic check above that Schemathesis's own checks catch too: proof that the contract's
# leniencies (x-mm-*, server discretion) do not swallow real ST101/ST201/ST202/ST401 findings.
# fault -> (Schemathesis check code, the operation its run is restricted to)
SCHEMATHESIS_TOO: dict[str, tuple[str, str]] = {
    "robust-500-unknown-sort-key": ("ST101", RM_LIST),
    "validation-maxlength-ignored": ("ST201", RM_PATCH),
    "validation-bounds-ignored": ("ST201", MP_CREATE),
    "reject-valid-sort-desc": ("ST202", RM_LIST),
    "reject-valid-capital-true": ("ST202", MP_FEATURES),
    "auth-missing-token-accepted": ("ST401", RM_LIST),
}
ALSO = " (schemathesis)"


def _run(fault: str, report_dir: Path) -> RunResult:
    """A fault's proof run: only the tests of its expected checks. A semantic check (MM) runs wherever it
    applies (it decides itself which operations it needs); Schemathesis (ST) runs on the listed operations."""
    if fault == CLEAN:
        return run(RunOptions(profile="quick", seed=SEED, report_dir=str(report_dir), quiet=True))
    if fault.endswith(ALSO):
        name = fault.removesuffix(ALSO)
        code, operation = SCHEMATHESIS_TOO[name]
        return run(
            RunOptions(
                profile="quick",
                seed=SEED,
                fault=name,
                checks=(code,),
                operations=(operation,),
                report_dir=str(report_dir),
                quiet=True,
            )
        )
    codes, operations = EXPECTED[fault]
    semantic = sorted(code for code in codes if code.startswith("MM"))
    options = RunOptions(
        profile="quick",
        seed=SEED,
        fault=fault,
        checks=tuple(semantic or sorted(codes)),
        operations=() if semantic else operations,
        report_dir=str(report_dir),
        quiet=True,
    )
    return run(options)


@pytest.fixture(scope="session")
def fault_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, RunResult]:
    """Every fault this session's items ask for, run a few at a time (the runs wait on I/O most of the time)."""
    wanted = [
        item.callspec.params["fault"]
        for item in request.session.items
        # this module's items only: other modules parametrize a `fault` too (the reference probes)
        if item.path == Path(__file__) and hasattr(item, "callspec") and "fault" in item.callspec.params
    ]
    workers = max(1, int(os.environ.get("MMCONTRACT_FAULT_WORKERS", "2")))
    base = tmp_path_factory.mktemp("faults")
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {
            fault: pool.submit(_run, fault, base / fault.strip("()")) for fault in dict.fromkeys(wanted)
        }
        return {fault: future.result() for fault, future in futures.items()}


def test_every_fault_has_an_expected_check() -> None:
    assert not set(EXPECTED) & set(PROVEN_BY_REFERENCE_TESTS)
    assert set(EXPECTED) | set(PROVEN_BY_REFERENCE_TESTS) == set(BY_NAME), (
        "a fault without an expected check, or a row for a fault that is gone"
    )


def test_faults_proven_elsewhere_name_existing_tests() -> None:
    root = Path(__file__).resolve().parents[3]
    for fault, test in PROVEN_BY_REFERENCE_TESTS.items():
        path, _, name = test.partition("::")
        assert f"def {name}(" in (root / path).read_text(encoding="utf-8"), (fault, test)


@pytest.mark.parametrize("fault", [CLEAN])
def test_the_reference_server_is_conformant(fault: str, fault_runs: dict[str, RunResult]) -> None:
    result = fault_runs[fault]
    assert not result.errors, result.errors
    assert [f"{f.check} {f.operation}: {f.message.splitlines()[0]}" for f in result.failures] == []
    assert result.exit_code == 0
    assert [c.operation for c in result.coverage if not c.cases_2xx] == [], (
        "operations that never reached 2xx"
    )


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_fault_is_caught(fault: str, fault_runs: dict[str, RunResult]) -> None:
    result = fault_runs[fault]
    expected, operations = EXPECTED[fault]
    reported = sorted({f.check for f in result.failures})
    assert not result.errors, result.errors
    assert result.exit_code == 1, f"{fault}: exit {result.exit_code}, reported {reported}"
    assert expected & set(reported), f"{fault}: expected one of {sorted(expected)}, reported {reported}"
    assert {f.operation for f in result.failures if f.check in expected} & set(operations)
    # every fault breaks the page's words: a page failure, so the client level (page + overlay) fails too
    assert any(f.level == "page" and f.check in expected for f in result.failures)
    assert dataclasses.replace(result, level="client").exit_code == 1


@pytest.mark.parametrize("fault", [f"{name}{ALSO}" for name in sorted(SCHEMATHESIS_TOO)])
def test_schemathesis_checks_fire_too(fault: str, fault_runs: dict[str, RunResult]) -> None:
    result = fault_runs[fault]
    code, operation = SCHEMATHESIS_TOO[fault.removesuffix(ALSO)]
    assert not result.errors, result.errors
    assert result.exit_code == 1
    assert (code, operation) in {(f.check, f.operation) for f in result.failures}, [
        f.check for f in result.failures
    ]
