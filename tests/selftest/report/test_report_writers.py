"""The four report files, checked on hand-built RunResults."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from junitparser import JUnitXml
from report_samples import OPERATIONS, clean_result, sample_result

from mmcontract.report import FILENAMES, write_reports
from mmcontract.report.model import RunResult
from mmcontract.report.summary_json import build_summary, load_schema, validate


@pytest.fixture
def written(tmp_path: Path, result: RunResult) -> dict[str, Path]:
    paths = write_reports(result, tmp_path / "reports")
    return {p.name: p for p in paths}


def test_write_reports_writes_every_format(written: dict[str, Path]) -> None:
    assert sorted(written) == sorted(FILENAMES) == ["junit.xml", "report.html", "summary.json", "summary.md"]
    assert [p.name for p in written.values()] == list(FILENAMES)
    assert all(p.stat().st_size > 200 for p in written.values())


# --- summary.json ---------------------------------------------------------------------------------------


def test_summary_json_follows_its_schema(written: dict[str, Path]) -> None:
    document = json.loads(written["summary.json"].read_text())
    validate(document)  # raises if not
    jsonschema.Draft202012Validator.check_schema(load_schema())
    assert document["schema_version"] == "2.1"


def test_summary_json_content(written: dict[str, Path], result: RunResult) -> None:
    doc = json.loads(written["summary.json"].read_text())
    assert doc["outcome"] == "violations" and doc["exit_code"] == 1
    assert doc["totals"]["new_failures"] == 4 and doc["totals"]["known_failures"] == 1
    assert doc["totals"]["stale_baseline"] == 1
    assert [o["operation"] for o in doc["operations"]] == OPERATIONS
    first = doc["operations"][0]
    assert first["verdicts"]["pagination"] == {
        "status": "failed",
        "cases": 20,
        "failures": 2,
        "known_failures": 0,
        "client_failures": 0,
    }
    assert first["cases_sent"] == result.coverage[0].cases_sent
    auth = next(o for o in doc["operations"] if o["operation"] == "GET /registeredModels/")["verdicts"][
        "auth"
    ]
    assert auth["status"] == "known" and auth["known_failures"] == 1 and auth["failures"] == 0
    failure = doc["failures"][0]
    assert failure["check"] == "MM101" and failure["signature"] == result.failures[0].signature
    assert failure["curl"].startswith("curl -X GET -H 'Authorization: [Filtered]'")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("target"),
        lambda d: d.update(exit_code=3),
        lambda d: d["failures"][0].update(check="pagination"),
        lambda d: d["failures"][0].update(signature="xyz"),
        lambda d: d["operations"][0]["verdicts"]["pagination"].update(status="red"),
        lambda d: d["totals"].update(cases_sent=-1),
        lambda d: d.update(schema_version="1.0"),
        lambda d: d.update(outcome="partial"),
        lambda d: d["failures"][0].update(level="vendor"),
        lambda d: d["levels"].pop("client"),
    ],
)
def test_summary_schema_rejects_broken_documents(mutate, result: RunResult) -> None:
    document = copy.deepcopy(build_summary(result))
    mutate(document)
    with pytest.raises(jsonschema.ValidationError):
        validate(document)


def test_summary_of_a_run_that_could_not_run(tmp_path: Path) -> None:
    result = clean_result()
    result.errors = ["target http://127.0.0.1:9/api/v2 is unreachable: connection refused"]
    result.verdicts, result.coverage = [], []
    paths = {p.name: p for p in write_reports(result, tmp_path)}
    doc = json.loads(paths["summary.json"].read_text())
    assert doc["outcome"] == "could-not-run" and doc["exit_code"] == 2
    xml = JUnitXml.fromfile(str(paths["junit.xml"]))
    assert xml.errors == 1
    assert "could not run" in paths["summary.md"].read_text()
    assert "unreachable" in paths["report.html"].read_text()


# --- junit.xml ------------------------------------------------------------------------------------------


def test_junit_has_one_case_per_operation_and_family(written: dict[str, Path], result: RunResult) -> None:
    tree = ET.parse(written["junit.xml"])  # well-formed XML
    root = tree.getroot()
    assert root.tag == "testsuites"
    xml = JUnitXml.fromfile(str(written["junit.xml"]))
    suites = {s.name: s for s in xml}
    applicable = {(v.operation, v.family) for v in result.verdicts}
    cases = {(c.classname, c.name) for s in xml for c in s if not s.name.startswith("mmcontract ")}
    assert cases == applicable
    assert set(OPERATIONS) <= set(suites)
    # 3 failed cells: pagination (2 failures), schema, writes; the known auth failure passes
    assert xml.failures == 3 and xml.errors == 0
    assert (
        int(root.get("failures")) == 3 and int(root.get("tests")) == len(applicable) + 2
    )  # + completeness, stale entry
    assert root.get("skipped") is None  # not allowed on <testsuites> by Jenkins's schema
    # skipped: the not-run DELETE writes, two skipped ordering cells, and the stale baseline entry
    assert xml.skipped == 4


# What the strictest common reader (Jenkins's junit-10 schema) allows, element by element.
JUNIT_ATTRIBUTES = {
    "testsuites": {"name", "time", "tests", "failures", "disabled", "errors"},
    "testsuite": {
        "name",
        "tests",
        "failures",
        "errors",
        "time",
        "disabled",
        "skipped",
        "timestamp",
        "hostname",
    },
    "testcase": {"name", "classname", "time"},
    "properties": set(),
    "property": {"name", "value"},
    "failure": {"type", "message"},
    "error": {"type", "message"},
    "skipped": {"type", "message"},
    "system-out": set(),
}
JUNIT_CHILDREN = {
    "testsuites": {"testsuite"},
    "testsuite": {"properties", "testcase"},
    "testcase": {"failure", "error", "skipped", "system-out"},
    "properties": {"property"},
}


@pytest.mark.parametrize("variant", ["sample", "clean", "could-not-run"])
def test_junit_fits_the_common_readers_schema(tmp_path: Path, variant: str) -> None:
    result = clean_result() if variant != "sample" else sample_result()
    if variant == "could-not-run":
        result.errors = ["target unreachable"]
    path = write_reports(result, tmp_path)[0]
    root = ET.parse(path).getroot()
    assert path.read_text().startswith("<?xml version='1.0' encoding='utf-8'?>")
    for element in root.iter():
        assert set(element.attrib) <= JUNIT_ATTRIBUTES[element.tag], (element.tag, element.attrib)
        assert {child.tag for child in element} <= JUNIT_CHILDREN.get(element.tag, set()), element.tag
    for suite in root.iter("testsuite"):
        assert "tests" in suite.attrib
    for case in root.iter("testcase"):
        assert "name" in case.attrib


def test_junit_failure_carries_code_title_expected_actual_and_curl(written: dict[str, Path]) -> None:
    xml = JUnitXml.fromfile(str(written["junit.xml"]))
    suite = next(s for s in xml if s.name == "GET /modelPackages/")
    case = next(c for c in suite if c.name == "pagination")
    assert not case.is_passed and len(case.result) == 1
    failure = case.result[0]
    assert failure.type == "MM101"
    assert failure.message == "MM101, MM104: count equals len(data) and is at most limit (+1 more)"
    text = failure.text
    for expected in (
        "[MM101] count equals len(data)",
        "[MM104] previous is null",
        "Expected: count == len(data) <= limit (10)",
        "Actual:   count=11, len(data)=10",
        "Reproduce:\ncurl -X GET -H 'Authorization: [Filtered]'",
    ):
        assert expected in text


def test_junit_known_deviation_passes_and_is_explained(written: dict[str, Path]) -> None:
    xml = JUnitXml.fromfile(str(written["junit.xml"]))
    suite = next(s for s in xml if s.name == "GET /registeredModels/")
    case = next(c for c in suite if c.name == "auth")
    assert case.is_passed
    assert "Known deviation (baseline): vendor X serves anonymous reads" in case.system_out


def test_junit_clean_run_has_no_failures(tmp_path: Path) -> None:
    paths = {p.name: p for p in write_reports(clean_result(), tmp_path)}
    xml = JUnitXml.fromfile(str(paths["junit.xml"]))
    assert xml.failures == 0 and xml.errors == 0 and xml.tests > 100


# --- report.html ----------------------------------------------------------------------------------------


def test_html_is_self_contained(written: dict[str, Path]) -> None:
    html = written["report.html"].read_text()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    for forbidden in ("<script", "<link", 'src="http', 'href="http', "@import", "url(http"):
        assert forbidden not in html


def test_html_matrix_cells_and_failures(written: dict[str, Path], result: RunResult) -> None:
    html = written["report.html"].read_text()
    assert html.count('<td class="cell" data-status="failed">') == 3
    assert html.count('<td class="cell" data-status="known">') == 1
    assert html.count('<td class="cell" data-status="not-run">') == 1
    assert html.count('class="method ') >= len(OPERATIONS)
    # escaped, not injected
    assert "nightly &lt;b&gt;build&lt;/b&gt;" in html and "nightly <b>build</b>" not in html
    assert "Stale baseline entries" in html and "0123456789abcdef" in html
    assert "49%" in html  # 892 of 1833 cases reached 2xx


def test_html_clean_run_says_so(tmp_path: Path) -> None:
    html = (write_reports(clean_result(), tmp_path)[2]).read_text()
    assert "No violations." in html and 'data-status="failed"' not in html
    assert "conformant" in html


# --- summary.md -----------------------------------------------------------------------------------------


def test_markdown_is_short_and_names_new_violations(written: dict[str, Path]) -> None:
    md = written["summary.md"].read_text()
    assert md.startswith("## ❌ mmcontract: 4 new contract violations (1 known)")
    assert "| `MM101` | `GET /modelPackages/` |" in md
    assert "Stale baseline entries" in md
    assert len(md.splitlines()) < 40


def test_markdown_caps_long_failure_lists(tmp_path: Path) -> None:
    result = sample_result()
    result.failures = [
        f.__class__(**{**f.__dict__, "message": f"variant {i}"})
        for i in range(30)
        for f in result.failures[:1]
    ]
    md = (write_reports(result, tmp_path)[3]).read_text()
    assert md.count("| `MM101` |") == 20 and "and 10 more" in md


def test_markdown_escapes_table_pipes(tmp_path: Path) -> None:
    result = sample_result()
    result.failures[0] = result.failures[0].__class__(**{**result.failures[0].__dict__, "message": "a | b"})
    md = (write_reports(result, tmp_path)[3]).read_text()
    assert "a \\| b" in md


def test_one_failing_writer_does_not_lose_the_others(tmp_path: Path, result: RunResult, monkeypatch) -> None:
    import mmcontract.report as report

    def broken(result: RunResult, report_dir: Path) -> Path:
        raise RuntimeError("summary writer broke")

    junit_write, _, html_write, md_write = report.writers()
    monkeypatch.setattr(report, "writers", lambda: (junit_write, broken, html_write, md_write))
    with pytest.raises(RuntimeError, match="summary writer broke"):
        write_reports(result, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml", "report.html", "summary.md"]


def test_the_model_imports_without_the_writers() -> None:
    import subprocess
    import sys

    code = (
        "import sys, mmcontract.report.model; print(any(m in sys.modules for m in ('jinja2', 'junitparser')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_junit_carries_control_characters_as_escapes(tmp_path: Path) -> None:
    """A fuzzed request or an echoing server puts characters XML 1.0 cannot hold into a failure's text: the
    report stays well-formed and shows them as escapes."""
    result = sample_result()
    first = result.failures[0]
    result.failures[0] = type(first)(
        **{**first.__dict__, "message": "name 'a\x07b\x1f' refused", "actual": "\x00"}
    )
    write_reports(result, tmp_path)
    text = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    ET.fromstring(text.encode())  # well-formed
    assert "a\\x07b\\x1f" in text
