"""Response-schema coverage on real runs (quick profile, fixed seed, two registered-model operations, ~35 s in all):
the embedded reference server gives a figure every report shows; the `omit-optional` variant (optional response
properties never sent) lowers it, `--min-schema-coverage 100` then exits 1 and names the gaps (`mmcontract run`
and plain pytest alike), and a property the target never holds, on a list the suite walked completely, is
"not present on the target", not a gap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from runner_helpers import options_for
from test_runner import RM_GET, RM_LIST, _cli

from mmcontract.reference.variants import expand
from mmcontract.report.summary_json import validate
from mmcontract.runner import run
from mmcontract.target.embedded import start_embedded

ROOT = Path(__file__).resolve().parents[3]
DESCRIPTION = "RegisteredModelResponse.description"


def _rows(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["operation"]: o for o in doc["schema_coverage"]["operations"]}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    report_dir = tmp_path_factory.mktemp("schema-clean")
    proc = _cli(
        "--profile", "quick", "--seed", "7", "--operation", RM_LIST, "--operation", RM_GET,
        "--min-schema-coverage", "50", "--report-dir", str(report_dir),
    )  # fmt: skip
    return proc, report_dir


def test_a_clean_run_reports_its_coverage_everywhere(
    clean: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    proc, report_dir = clean
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((report_dir / "summary.json").read_text())
    validate(doc)
    page = doc["schema_coverage"]["levels"]["page"]
    reachable = page["total"] - page["not_present"]
    assert 0 < page["seen"] <= reachable and page["percent"] >= 50
    line = (
        f"response schema: {page['seen']}/{reachable} nodes seen ({page['percent']:g}%); "
        f"{page['not_present']} not present on the target (--min-schema-coverage 50%)"
    )
    assert f"  {line}\n" in proc.stdout
    assert set(_rows(doc)) == {RM_LIST, RM_GET}  # a restricted run reports only its operations
    assert line in (report_dir / "summary.md").read_text()
    html = (report_dir / "report.html").read_text()
    assert 'id="schema-coverage"' in html and ">Response schema</th>" in html
    assert f"{DESCRIPTION} = null" in html  # the drill-down lists the nodes (here: not present on the target)
    assert 'name="schema_coverage.page"' in (report_dir / "junit.xml").read_text()


def test_not_present_is_never_something_the_seed_holds(
    clean: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """Honesty: walk every registered model the reference server's seed holds (a fresh server, same seed); no
    node the run called "not present on the target" is shown by any of them."""
    import httpx

    from mmcontract.target import schema_coverage as sc

    server = start_embedded()
    observer = sc.Observer(("page",))
    try:
        with httpx.Client(headers={"Authorization": f"Bearer {server.token}"}) as client:
            url = f"{server.base_url}/registeredModels/?offset=0&limit=100"
            listed = client.get(url)
            observer.observe("GET", url, listed.status_code, listed.json())
            for item in listed.json()["data"]:
                one = client.get(f"{server.base_url}/registeredModels/{item['id']}/")
                observer.observe("GET", str(one.url), one.status_code, one.json())
    finally:
        server.stop()
    held = observer.keys["page"]
    spec = sc._spec("page")
    doc = json.loads((clean[1] / "summary.json").read_text())
    claimed = [
        (row["operation"], node)
        for row in doc["schema_coverage"]["operations"]
        for node in row["not_present"]
    ]
    assert claimed  # the run did walk the list: it says what the seed lacks (e.g. a null description)
    wrong = [(op, node) for op, node in claimed if sc.nodes_of(spec, op, "200")[node].key in held]
    assert wrong == []


def test_a_server_that_hides_optional_properties_lowers_it_and_the_floor_fails_the_run(
    clean: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    """Plain pytest on the `omit-optional` variant, one operation (no list walked: nothing can be "not present"),
    with --min-schema-coverage 100: exit 1, the gap named."""
    clean_row = _rows(json.loads((clean[1] / "summary.json").read_text()))[RM_GET]
    server = start_embedded(variants=expand({"omit-optional"}))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DATAROBOT_")}
        env["DATAROBOT_API_TOKEN"] = server.token
        proc = subprocess.run(
            [
                sys.executable, "-m", "pytest", "tests/contract", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                f"--endpoint={server.base_url}", "--profile=quick", "--seed=7", f"--mm-operation={RM_GET}",
                "--min-schema-coverage=100", f"--report-dir={tmp_path}",
            ],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
        )  # fmt: skip
    finally:
        server.stop()
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "passed" in proc.stdout and " failed" not in proc.stdout  # no test failed: the floor did it
    assert "mmcontract response schema: " in proc.stdout
    assert "incomplete: response-schema coverage " in proc.stdout
    assert f": {DESCRIPTION}" in proc.stdout or f", {DESCRIPTION}" in proc.stdout  # named among the gaps
    doc = json.loads((tmp_path / "summary.json").read_text())
    row = _rows(doc)[RM_GET]
    assert DESCRIPTION in row["not_seen"] and row["not_present"] == []
    assert row["percent"] < clean_row["percent"]
    assert doc["outcome"] == "incomplete" and doc["exit_code"] == 1


def test_what_no_item_of_a_walked_list_holds_is_not_present(tmp_path: Path) -> None:
    """With the list walked completely, the variant's omitted `description` is "not present on the target"
    (the target holds nothing to show it), not a gap."""
    server = start_embedded(variants=expand({"omit-optional"}))
    try:
        result = run(options_for(server, seed=7, operations=(RM_LIST, RM_GET), report_dir=str(tmp_path)))
    finally:
        server.stop()
    rows = {(c.operation, c.status): c for c in result.schema_coverage}
    listed, one = rows[(RM_LIST, "200")], rows[(RM_GET, "200")]
    assert "RegisteredModelListResponse.data[].description" in listed.not_present
    assert DESCRIPTION in one.not_present and DESCRIPTION not in one.not_seen
    assert result.exit_code == 0  # no floor asked for
