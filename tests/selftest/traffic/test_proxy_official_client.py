"""The official `datarobot` client's scenario (tests/selftest/reference/test_official_client.py) through
`mmcontract proxy` against the reference server.

Clean server: the client works unchanged (every scenario test passes) and the proxy reports no server finding;
its client-request findings are the client's off-page fields, each marked with whether the client overlay adds
it. Faulty server: the proxy reports the fault under the check code the active suite uses for it. The default
run takes a clean run and two representative faults; the whole table is behind `exhaustive`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.socket]

SCENARIO = Path(__file__).parents[1] / "reference" / "test_official_client.py"

# fault -> the code the proxy reports it under (every fault of the catalogue that the scenario's traffic shows;
# page-next-last-not-null makes the client loop forever, MM104 is proven on a recording in test_judge.py)
THROUGH_THE_PROXY = {
    "schema-missing-required": "ST108",
    "schema-wrong-type": "ST108",
    "schema-bad-enum": "ST108",
    "schema-null-not-nullable": "ST108",
    "schema-bad-datetime": "ST108",
    "status-create-200": "ST103",
    "status-missing-410": "ST103",
    "content-type-text": "ST104",
    "page-count-mismatch": "MM101",
    "page-next-relative": "MM105",
    "page-next-drops-filter": "MM105",
    "page-offset-skip": "MM102",
    "page-total-page-local": "MM102",
    "order-direction-ignored": "MM201",
    "write-patch-not-persisted": "MM401",
    "write-delete-keeps-versions": "MM402",
    "write-sharing-invisible": "MM404",
    "write-sharing-no-owner-allowed": "MM405",
}
REPRESENTATIVE = ("schema-missing-required", "write-patch-not-persisted")

# What the client sends that the page does not document: (check, field) -> whether the client overlay adds it
OFF_PAGE = {
    ("MM903", "registeredModelName"): True,
    ("MM903", "registeredModelDescription"): True,
    ("MM902", "imported"): True,  # imported=True/False
    ("MM902", "forChallenger"): True,
    ("MM902", "createdAtStartTs"): True,  # a naive datetime
    ("MM904", "Token"): True,  # Authorization: Token
    # sent by datarobot 3.20.x create_for_leaderboard_item and list_versions (the overlay's last two actions)
    ("MM903", "registeredModelId"): True,
    ("MM903", "tags"): True,
    ("MM903", "registeredModelTags"): True,
    ("MM901", "tags"): True,
}


def through_proxy(
    tmp_path: Path, fault: str | None = None
) -> tuple[subprocess.CompletedProcess[str], Any, int]:
    """Run the scenario with the client pointed at a proxy: (pytest's result, the proxy's summary.json, its exit)."""
    proxy_dir = tmp_path / "proxy"
    env = dict(os.environ, MMCONTRACT_CLIENT_SCENARIO_PROXY=str(proxy_dir))
    env.pop("MMCONTRACT_CLIENT_SCENARIO_FAULT", None)
    if fault:
        env["MMCONTRACT_CLIENT_SCENARIO_FAULT"] = fault
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(SCENARIO),
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
    ]
    command += ["-W", "ignore::pytest.PytestUnknownMarkWarning", "--timeout=60"] if _has_timeout() else []
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    summary = json.loads((proxy_dir / "summary.json").read_text())
    return result, summary, int((proxy_dir / "exit_code").read_text())


def _has_timeout() -> bool:
    import importlib.util

    return importlib.util.find_spec("pytest_timeout") is not None


def server_findings(summary: Any) -> list[dict[str, Any]]:
    return [f for f in summary["failures"] if f.get("side", "server") == "server"]


def _field(finding: dict[str, Any]) -> str:
    actual = finding["actual"] or ""
    return (
        actual.split("the ", 1)[1].split(" ")[0]
        if actual.startswith("the ")
        else actual.split("=")[0].split(":")[0]
    )


def test_clean_server_the_client_works_and_no_server_finding(tmp_path: Path) -> None:
    result, summary, exit_code = through_proxy(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert server_findings(summary) == [], server_findings(summary)
    assert exit_code == 0
    assert summary["totals"]["cases_sent"] > 100  # the client's exchanges were judged
    client = {(f["check"], _field(f)): f for f in summary["failures"] if f.get("side") == "client-request"}
    assert set(client) == set(OFF_PAGE), sorted(client)
    for key, added in OFF_PAGE.items():
        assert client[key]["level"] == ("client" if added else "page"), client[key]
        assert client[key]["exchanges"], client[key]
    har = json.loads((tmp_path / "proxy" / "traffic.har").read_text())
    assert (
        har["log"]["version"] == "1.2" and len(har["log"]["entries"]) == summary["totals"]["cases_sent"] + 2
    )
    text = (tmp_path / "proxy" / "traffic.har").read_text()
    assert "bench-" not in text, "a token leaked into the HAR"  # start_server's tokens start with bench-


def _check_fault(tmp_path: Path, fault: str) -> None:
    _, summary, exit_code = through_proxy(tmp_path, fault)
    codes = {f["check"] for f in server_findings(summary)}
    assert THROUGH_THE_PROXY[fault] in codes, (fault, codes)
    assert exit_code == 1
    found = next(f for f in server_findings(summary) if f["check"] == THROUGH_THE_PROXY[fault])
    assert found["exchanges"] and found["exchanges"][0].startswith("#")


@pytest.mark.parametrize("fault", REPRESENTATIVE)
def test_a_fault_the_traffic_shows_is_reported(tmp_path: Path, fault: str) -> None:
    _check_fault(tmp_path, fault)


@pytest.mark.exhaustive
@pytest.mark.parametrize("fault", sorted(set(THROUGH_THE_PROXY) - set(REPRESENTATIVE)))
def test_every_fault_the_traffic_shows_is_reported(tmp_path: Path, fault: str) -> None:
    _check_fault(tmp_path, fault)
