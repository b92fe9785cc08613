"""The faults of issue 9 are caught on legal variants of the reference server too, not only on its defaults: each
fault's proof run (the row of test_fault_catalogue.EXPECTED: quick profile, fixed seed, its checks and
operations) against the server with the fault on top of a variant that changes what the suite sees (newest first,
a largest page of 50). Behind `exhaustive` (~20 quick runs); `make test-exhaustive` runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_fault_catalogue import EXPECTED, SEED

from mmcontract.report.model import RunResult
from mmcontract.runner import RunOptions, run

pytestmark = [pytest.mark.slow, pytest.mark.exhaustive]

NEW_FAULTS = (
    "item-shared-roles-bad-enum",
    "item-package-shared-roles-missing-required",
    "item-features-wrong-type",
    "item-versions-bad-enum",
    "item-model-logs-over-max",
    "item-deployments-missing-required",
    "item-version-deployments-wrong-type",
    "status-delete-200",
    "robust-500-search-percent",
    "robust-500-long-path-id",
    "reject-create-name-null",
)
VARIANTS = ("order-newest-first", "page-max-50")


def _run(fault: str, variant: str, report_dir: Path) -> RunResult:
    codes, operations = EXPECTED[fault]
    semantic = sorted(code for code in codes if code.startswith("MM"))
    return run(
        RunOptions(
            fault=fault,
            variants=(variant,),
            profile="quick",
            seed=SEED,
            checks=tuple(semantic or sorted(codes)),
            operations=() if semantic else operations,
            report_dir=str(report_dir),
            quiet=True,
        )
    )


def test_every_new_fault_has_a_row() -> None:
    assert set(NEW_FAULTS) <= set(EXPECTED)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("fault", NEW_FAULTS)
def test_fault_is_caught_on_a_legal_variant(fault: str, variant: str, tmp_path: Path) -> None:
    result = _run(fault, variant, tmp_path)
    expected, operations = EXPECTED[fault]
    reported = sorted({f.check for f in result.failures})
    assert not result.errors, result.errors
    assert result.exit_code == 1, f"{fault} on {variant}: exit {result.exit_code}, reported {reported}"
    assert expected & set(reported), (
        f"{fault} on {variant}: expected one of {sorted(expected)}, got {reported}"
    )
    assert {f.operation for f in result.failures if f.check in expected} & set(operations)
