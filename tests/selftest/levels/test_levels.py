"""The two verdicts end to end (`mmcontract run --level page|client`): the reference server passes both levels;
its `literal` variant (`mmcontract serve --variant literal`: the page's letter only) fails at --level client with
the code of each breakage the client suffers and passes at --level page, where the same failures are still
reported, as information.

The runs are conftest.py's (shared with test_official_client_literal.py)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mmcontract.checks.catalogue import CLIENT_FAMILY
from mmcontract.reference.variants import BY_NAME, expand
from mmcontract.report.model import RunResult
from mmcontract.target.embedded import EmbeddedServer, start_embedded

# literal's parts -> the client check that must name each (a new part of literal needs a row here)
BREAKAGES = {
    "token-bearer-only": "MM802",  # dr.Client() sends Authorization: Token
    "page-routes-only": "MM803",  # no GET /version/ for dr.Client()
    "create-202-id-only": "MM804",  # create_for_leaderboard_item parses the 202 body as a version
    "no-registered-model-name": "MM805",  # registered_model_name makes no registered model
    "roles-observer-as-observer": "MM806",  # OBSERVER/ADMIN are no SHARING_ROLE names
    "package-page-properties-only": "MM801",  # versions without registeredModelId/registeredModelVersion
}


@pytest.fixture(scope="module")
def runs(reference_client_run: RunResult, literal_client_run: RunResult) -> dict[tuple[str, bool], RunResult]:
    return {("client", False): reference_client_run, ("client", True): literal_client_run}


def _lines(result: RunResult) -> list[str]:
    return [f"{f.level} {f.check} {f.operation}: {f.message.splitlines()[0]}" for f in result.failures]


def test_the_reference_server_passes_the_client_level(runs: dict[tuple[str, bool], RunResult]) -> None:
    result = runs[("client", False)]
    assert not result.errors, result.errors
    assert result.level == "client"
    assert _lines(result) == []
    assert result.exit_code == 0 and result.outcome == "conformant"
    client_cells = {(v.operation, v.status) for v in result.verdicts if v.family == CLIENT_FAMILY}
    assert {op for op, status in client_cells if status == "passed"} >= {
        "GET /version/",
        "GET /registeredModels/",
        "POST /modelPackages/fromLeaderboard/",
    }, client_cells


def test_every_part_of_literal_has_its_client_check() -> None:
    assert set(BY_NAME["literal"].includes) == set(BREAKAGES)


def test_literal_fails_the_client_level_naming_each_breakage(
    runs: dict[tuple[str, bool], RunResult],
) -> None:
    result = runs[("client", True)]
    assert not result.errors, result.errors
    reported = {f.check for f in result.failures}
    assert set(BREAKAGES.values()) <= reported, _lines(result)
    assert {f.level for f in result.failures} == {"client"}, _lines(result)  # nothing breaks the page
    assert result.exit_code == 1 and result.outcome == "violations"
    for failure in result.failures:
        assert failure.basis.startswith("client: ") and "breaks: " in failure.basis, failure.basis
    schema = [f for f in result.failures if f.check == "MM801"]
    assert {f.operation for f in schema} >= {
        "GET /registeredModels/{registeredModelId}/versions/",
        "GET /registeredModels/{registeredModelId}/versions/{versionId}/",
    }
    versions = [f for f in schema if "/versions/" in f.operation]
    assert all("registeredModelId" in f.message or "registeredModelVersion" in f.message for f in versions)
    # each names the overlay action's evidence: the versions' the client's RegisteredModelVersion; others (an
    # error body, the create's answer) their own client function
    assert all("RegisteredModelVersion" in f.basis for f in versions)
    assert all("datarobot 3.20" in f.basis for f in schema)


def test_literal_passes_the_page_level_with_the_client_failures_reported(
    runs: dict[tuple[str, bool], RunResult],
) -> None:
    """The same findings judged at the page level: no violation (incomplete at most: literal makes no registered
    model to write to, and the run says so), the client failures still in the result."""
    page = dataclasses.replace(runs[("client", True)], level="page")
    assert page.exit_code == 0 and page.outcome in ("conformant", "incomplete"), _lines(page)
    assert page.failures_at("page") == [] and page.failures


@pytest.fixture(scope="module")
def literal_server() -> Iterator[EmbeddedServer]:
    server = start_embedded(variants=expand({"literal"}))
    yield server
    server.stop()


def _cli(*args: str, token: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATAROBOT_")}
    environment["DATAROBOT_API_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "mmcontract", "run", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


@pytest.mark.parametrize(("level", "exit_code"), [("page", 0), ("client", 1)])
def test_the_exit_code_follows_the_level_asked_for(
    level: str, exit_code: int, literal_server: EmbeddedServer, tmp_path: Path
) -> None:
    """`mmcontract run --level` through the command line and the child pytest: literal's missing GET /version/
    (MM803) fails the client level only, and is reported at both, with its level."""
    proc = _cli(
        f"--endpoint={literal_server.base_url}",
        f"--level={level}",
        "--check=MM803",
        "--profile=quick",
        f"--report-dir={tmp_path}",
        token=literal_server.token,
    )
    assert proc.returncode == exit_code, proc.stdout + proc.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [(f["check"], f["level"]) for f in summary["failures"]] == [("MM803", "client")]
    assert summary["level"] == level
    assert literal_server.token not in proc.stdout + proc.stderr


def test_level_is_checked_before_the_run_starts() -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATAROBOT_")}
    proc = subprocess.run(
        [sys.executable, "-m", "mmcontract", "run", "--level", "vendor"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "--level" in proc.stderr and "vendor" in proc.stderr
