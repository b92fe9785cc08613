"""The whole suite at --level page raises nothing against a page-legal server: `mmcontract run` (quick profile,
writes allowed, every check) against the reference server under its legal variants (mmcontract.reference.
variants: choices a correct server may make where the page is silent). A variant may leave the run unable to
look at something (no registered model where registeredModelName is ignored): that is `incomplete`, said with
its reasons, never a violation.

In `make test`: every variant at once, and `literal` (the page's letter only). Each variant alone is the
exhaustive proof (`make test-exhaustive`, marker `exhaustive`); the semantic checks on each variant alone run in
`make test` in-process (tests/selftest/checks/test_variants_page_level.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mmcontract.reference.variants import VARIANTS, expand
from mmcontract.report.model import RunResult
from mmcontract.runner import RunOptions, run

pytestmark = pytest.mark.socket

SEED = 20261130
SINGLE = sorted(v.name for v in VARIANTS if v.name != "literal")


def page_run(variants: frozenset[str], report_dir: Path) -> RunResult:
    """The runner's own embedded server as those variants (no endpoint: writes allowed)."""
    return run(
        RunOptions(
            variants=tuple(sorted(variants)),
            profile="quick",
            seed=SEED,
            level="page",
            report_dir=str(report_dir),
            quiet=True,
        )
    )


def assert_page_conformant(result: RunResult) -> None:
    page = [
        f"{f.check} {f.operation}: {f.message.splitlines()[0]}" for f in result.failures if f.level == "page"
    ]
    assert result.errors == []
    assert page == []
    assert result.outcome in ("conformant", "incomplete")
    assert result.exit_code == 0


@pytest.mark.parametrize(
    "variants",
    [
        pytest.param(frozenset(SINGLE), id="every-variant"),
        pytest.param(expand({"literal"}), id="literal"),
    ],
)
def test_the_page_level_passes_a_page_legal_server(variants: frozenset[str], tmp_path: Path) -> None:
    result = page_run(variants, tmp_path)
    assert_page_conformant(result)
    if "no-registered-model-name" in variants:
        # the run could not write where it needs a registered model, and says so (never a pass in silence)
        assert result.outcome == "incomplete"
        reasons = " ".join(result.incomplete)
        assert "PATCH /registeredModels/{registeredModelId}/" in reasons, result.incomplete
        assert "DELETE /registeredModels/{registeredModelId}/" in reasons, result.incomplete


@pytest.mark.exhaustive
@pytest.mark.parametrize("variant", SINGLE)
def test_the_page_level_passes_each_variant(variant: str, tmp_path: Path) -> None:
    assert_page_conformant(page_run(frozenset({variant}), tmp_path))
