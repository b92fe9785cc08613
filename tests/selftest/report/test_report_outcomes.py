"""Two verdicts (page, client), three outcomes (conformant, violations, incomplete) and could-not-run, told the
same way by every report: junit.xml, summary.json, report.html, summary.md and the terminal's last lines."""

from __future__ import annotations

import dataclasses
import html
import json
from pathlib import Path

import pytest
import yaml
from junitparser import JUnitXml
from report_samples import clean_result, failure

from mmcontract.report import write_reports
from mmcontract.report.baseline import update_baseline
from mmcontract.report.model import RunResult
from mmcontract.report.summary_json import validate
from mmcontract.report.view import build_view, counts_line

CLIENT_CALL = "dr.RegisteredModel.get(id) needs 'registeredModelId' on each version"


def _client_result(level: str = "page") -> RunResult:
    result = clean_result()
    breakage = failure(
        "GET /registeredModels/{registeredModelId}/versions/",
        "ST108",
        f"{CLIENT_CALL}: 'registeredModelId' is a required property",
        basis="client: datarobot/models/model_registry/registered_model_version.py",
    )
    result.failures = [dataclasses.replace(breakage, level="client")]
    result.level = level  # type: ignore[assignment]
    return result


def _reports(result: RunResult, directory: Path) -> dict[str, str]:
    """Each report's text (report.html unescaped, to search it as text)."""
    texts = {p.name: p.read_text() for p in write_reports(result, directory)}
    texts["report.html"] = html.unescape(texts["report.html"])
    return texts


def _junit_run_suite(path: Path):
    xml = JUnitXml.fromfile(str(path))
    return next(s for s in xml if s.name == "mmcontract run"), xml


def test_a_page_run_lists_client_breakages_as_information_never_as_failures(tmp_path: Path) -> None:
    result = _client_result("page")
    assert result.outcome == "conformant" and result.exit_code == 0
    reports = _reports(result, tmp_path)
    doc = json.loads(reports["summary.json"])
    validate(doc)
    assert doc["level"] == "page" and doc["outcome"] == "conformant"
    assert doc["levels"]["page"] == {"verdict": "conformant", "failures": 0, "requested": True}
    assert doc["levels"]["client"] == {"verdict": "violations", "failures": 1, "requested": False}
    assert doc["failures"][0]["level"] == "client" and doc["totals"]["client_failures"] == 1
    versions = next(o for o in doc["operations"] if o["operation"].endswith("{registeredModelId}/versions/"))
    assert versions["verdicts"]["schema"]["status"] == "client"
    run_suite, xml = _junit_run_suite(tmp_path / "junit.xml")
    assert xml.failures == 0 and xml.errors == 0
    props = {p.name: p.value for p in run_suite.properties()}
    assert props["verdict.page"] == "conformant" and props["verdict.client"] == "violations"
    case = next(
        c for s in xml if s.name.endswith("{registeredModelId}/versions/") for c in s if c.name == "schema"
    )
    assert case.is_passed and "Official client breakage" in case.system_out and CLIENT_CALL in case.system_out
    for name in ("summary.md", "report.html"):
        assert "Conforms to the page: yes" in reports[name], name
        assert "Official client: 1 breakage" in reports[name], name
        assert CLIENT_CALL in reports[name], name
    assert "### New violations" not in reports["summary.md"]


def test_a_client_run_fails_on_the_same_breakage(tmp_path: Path) -> None:
    result = _client_result("client")
    assert result.outcome == "violations" and result.exit_code == 1
    reports = _reports(result, tmp_path)
    doc = json.loads(reports["summary.json"])
    assert doc["outcome"] == "violations" and doc["levels"]["client"]["requested"]
    _, xml = _junit_run_suite(tmp_path / "junit.xml")
    assert xml.failures == 1
    assert "| `ST108` |" in reports["summary.md"]


REASONS = [
    "2 operations never reached a 2xx answer: GET /registeredModels/{registeredModelId}/, GET /modelPackages/",
    "1 list never returned an item (nothing to check items, filters and ordering on): GET /registeredModels/",
]


@pytest.mark.parametrize("require_complete", [False, True])
def test_an_incomplete_run_says_why_everywhere(tmp_path: Path, require_complete: bool) -> None:
    result = clean_result()
    result.incomplete = list(REASONS)
    result.require_complete = require_complete
    assert result.outcome == "incomplete" and result.exit_code == int(require_complete)
    reports = _reports(result, tmp_path)
    doc = json.loads(reports["summary.json"])
    validate(doc)
    assert doc["outcome"] == "incomplete" and doc["incomplete"] == REASONS
    assert doc["exit_code"] == int(require_complete) and doc["require_complete"] is require_complete
    run_suite, xml = _junit_run_suite(tmp_path / "junit.xml")
    assert {p.name: p.value for p in run_suite.properties()}["outcome"] == "incomplete"
    (case,) = [c for c in run_suite if c.name == "completeness"]
    assert REASONS[1] in case.result[0].message
    assert case.result[0]._tag == ("failure" if require_complete else "skipped")
    assert xml.failures == int(require_complete)  # junit fails exactly when the exit code does
    head = "\n".join(reports["summary.md"].splitlines()[:8])  # the first lines of summary.md
    assert "🟡" in head and "incomplete" in head and all(r.split(":")[0] in head for r in REASONS)
    page = reports["report.html"]
    assert 'id="incomplete"' in page and page.index('id="incomplete"') < page.index('id="matrix"')
    assert "badge incomplete" in page


def test_a_complete_run_passes_its_completeness_case(tmp_path: Path) -> None:
    _reports(clean_result(), tmp_path)
    run_suite, _ = _junit_run_suite(tmp_path / "junit.xml")
    (case,) = [c for c in run_suite if c.name == "completeness"]
    assert case.is_passed


def test_leftovers_and_skip_reasons_are_in_every_report(tmp_path: Path) -> None:
    result = clean_result()
    result.leftovers = ["registered model 65f0c0ffee (mmcontract-semantic-1a2b): DELETE answered 500"]
    result.skipped = {"no writable registered model": 18, "writes are off": 3}
    reports = _reports(result, tmp_path)
    for name, text in reports.items():
        assert "65f0c0ffee" in text, name
        assert "no writable registered model" in text, name
    assert "18 skipped: no writable registered model" in reports["summary.md"]
    doc = json.loads(reports["summary.json"])
    assert doc["skipped"][0] == {"reason": "no writable registered model", "tests": 18}
    assert doc["totals"]["skipped_tests"] == 21


def test_could_not_run_replaces_the_previous_verdict(tmp_path: Path) -> None:
    _reports(clean_result(), tmp_path)  # a previous, conformant run
    failed = RunResult(
        target="http://127.0.0.1:9/api/v2",
        spec_path="openapi/model_management.yaml",
        spec_hash="",
        seed=1,
        profile="quick",
        started_at="2026-11-30T02:00:00Z",
        finished_at="2026-11-30T02:00:01Z",
        errors=["cannot reach http://127.0.0.1:9/api/v2: connection refused"],
    )
    reports = _reports(failed, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(reports)
    doc = json.loads(reports["summary.json"])
    validate(doc)
    assert doc["outcome"] == "could-not-run" and doc["exit_code"] == 2
    assert doc["levels"]["page"]["verdict"] == "could-not-run"
    for name, text in reports.items():
        assert "connection refused" in text, name
        assert "Conforms to the page: yes" not in text, name
    assert "could not run" in reports["summary.md"].splitlines()[0]
    _, xml = _junit_run_suite(tmp_path / "junit.xml")
    assert xml.errors == 1 and xml.failures == 0


def test_every_report_gives_the_same_counts(tmp_path: Path) -> None:
    result = clean_result()
    result.coverage[0].cases_sent, result.coverage[0].cases_2xx = 0, 0  # one untested operation
    result.coverage[1].cases_2xx = 0  # one tested that never reached a 2xx
    view = build_view(result)
    t = view.totals
    assert (t.operations, t.tested, t.reached_2xx) == (19, 18, 17)
    line = counts_line(view)
    assert line.startswith("19 operations: 18 tested, 17 reached a 2xx;")
    reports = _reports(result, tmp_path)
    assert line in reports["summary.md"]
    assert line in reports["report.html"]
    totals = json.loads(reports["summary.json"])["totals"]
    assert (totals["operations"], totals["tested"], totals["reached_2xx"]) == (19, 18, 17)
    assert (totals["cases_sent"], totals["cases_2xx"]) == (t.cases_sent, t.cases_2xx)
    assert f"{t.cases_sent} cases sent ({t.cases_2xx} 2xx)" in line


def test_the_baseline_records_target_contract_level_and_date(tmp_path: Path) -> None:
    result = _client_result("client")
    path = tmp_path / "baseline.yaml"
    update_baseline(result, path)
    data = yaml.safe_load(path.read_text())
    assert data["target"] == result.target and data["contract"] == result.spec_hash
    assert data["level"] == "client" and data["recorded"] == result.finished_at
    assert len(data["entries"]) == 1
