"""junit.xml: one test suite per operation, one test case per check family that applies to it.

Built with junitparser, in the shape Jenkins, GitLab, GitHub test reporters and Azure read: a failed cell
carries one <failure> (most readers show only the first) whose message names the check codes and whose text
holds every failure with expected/actual and the curl line. Known deviations (baseline) pass and are listed in
<system-out>; so are client-level breakages at a page-level run (information, never a <failure>). A skipped or
not-run cell is <skipped>.

A first suite "mmcontract run" carries the run's story: properties `outcome`, `level`, `verdict.page`,
`verdict.client` and the skip reasons; a test case "completeness" (passes, or <skipped> listing why the run is
incomplete, or <failure> with --require-complete, exactly as the exit code does); a case "leftovers" when the
run left resources behind; and a run that could not run is one <error> case "run".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from junitparser import Error, JUnitXml, Skipped, TestCase, TestSuite
from junitparser import Failure as JUnitFailure

from mmcontract.report.model import Failure, RunResult, percent
from mmcontract.report.redact import redact, redact_all
from mmcontract.report.view import (
    Cell,
    ReportView,
    build_view,
    schema_by_operation,
    schema_coverage_line,
    skip_lines,
)

FILENAME = "junit.xml"


def failure_text(f: Failure) -> str:
    """The full story of one failure, as plain text (also used by the Markdown and console output)."""
    lines = [f"[{f.check}] {f.title}", f.message]
    if f.expected is not None:
        lines.append(f"Expected: {f.expected}")
    if f.actual is not None:
        lines.append(f"Actual:   {f.actual}")
    lines.append(f"Basis:    {f.basis}")
    if f.known:
        lines.append(f"Known deviation (baseline): {f.baseline_reason or 'no reason given'}")
    if f.response_excerpt:
        lines += ["Response:", f.response_excerpt]
    if f.curl:
        lines += ["Reproduce:", f.curl]
    return "\n".join(lines)


def _testcase(cell: Cell) -> TestCase:
    case = TestCase(name=cell.family, classname=cell.operation)
    new, known = cell.new_failures, cell.known_failures
    if new:
        codes = ", ".join(dict.fromkeys(f.check for f in new))
        first = new[0]
        more = f" (+{len(new) - 1} more)" if len(new) > 1 else ""
        result = JUnitFailure(message=f"{codes}: {first.title}{more}", type_=first.check)
        result.text = "\n\n".join(failure_text(f) for f in new)
        case.result = [result]
    elif cell.status == "failed":
        result = JUnitFailure(message="failed (no details recorded by the runner)", type_="failed")
        case.result = [result]
    elif cell.status in ("skipped", "not-run"):
        case.result = [Skipped(message=cell.status)]
    info = cell.info_failures
    out = [
        f"Official client breakage (information: the page is not broken):\n{failure_text(f)}" for f in info
    ]
    out += [failure_text(f) for f in known]
    if out:
        case.system_out = "\n\n".join(out)
    return case


def _run_suite(result: RunResult, view: ReportView) -> TestSuite:
    """The run's own story: outcome, verdict per level, completeness, leftovers, could-not-run."""
    suite = TestSuite("mmcontract run")
    suite.timestamp = result.started_at
    suite.hostname = result.target
    suite.add_property("outcome", result.outcome)
    suite.add_property("level", result.level)
    suite.add_property("exit_code", str(result.exit_code))
    for verdict in view.levels:
        suite.add_property(f"verdict.{verdict.level}", verdict.status)
        suite.add_property(f"failures.{verdict.level}", str(len(verdict.failures)))
    for reason, n in view.skip_groups:
        suite.add_property("skipped", f"{n}: {reason}")
    for level in dict.fromkeys(c.level for c in result.schema_coverage):
        line = schema_coverage_line(result, level)
        if line:
            suite.add_property(f"schema_coverage.{level}", line.split(": ", 1)[1])
    if result.errors:
        case = TestCase(name="run", classname="mmcontract")
        error = Error(message=result.errors[0], type_="could-not-run")
        error.text = "\n".join(result.errors)
        case.result = [error]
        suite.add_testcase(case)
        return suite
    case = TestCase(name="completeness", classname="mmcontract")
    if result.incomplete:
        message = f"incomplete: {'; '.join(result.incomplete)}"
        if result.incomplete_fails:
            failed = JUnitFailure(message=message, type_="incomplete")
            failed.text = "\n".join(result.incomplete)
            case.result = [failed]
        else:
            case.result = [Skipped(message=message)]
    case.system_out = "\n".join([view.verdict_line, *skip_lines(view)])
    suite.add_testcase(case)
    if result.leftovers:
        case = TestCase(name="leftovers", classname="mmcontract")
        case.result = [
            Skipped(message=f"{len(result.leftovers)} resource(s) left behind: delete them by hand")
        ]
        case.system_out = "\n".join(result.leftovers)
        suite.add_testcase(case)
    return suite


def build_xml(result: RunResult) -> JUnitXml:
    result = redact_all(result)
    view = build_view(result)
    xml = JUnitXml(name="mmcontract")
    xml.add_testsuite(_run_suite(result, view))
    schema = schema_by_operation(result)
    for row in view.rows:
        suite = TestSuite(row.operation)
        suite.timestamp = result.started_at
        suite.hostname = result.target
        suite.add_property("cases_sent", str(row.coverage.cases_sent))
        suite.add_property("cases_2xx", str(row.coverage.cases_2xx))
        if row.operation in schema:
            seen, reachable = schema[row.operation]
            suite.add_property("schema_coverage", f"{seen}/{reachable} ({percent(seen, reachable):g}%)")
        for cell in row.cells:
            if cell.status != "none":
                suite.add_testcase(_testcase(cell))
        xml.add_testsuite(suite)
    if result.stale_baseline:
        # Shown as skipped cases, which every reader lists, so a stale entry gets noticed.
        suite = TestSuite("mmcontract baseline")
        for entry in result.stale_baseline:
            case = TestCase(
                name=f"stale {entry.get('check')} {entry.get('signature')}",
                classname=str(entry.get("operation")),
            )
            case.result = [Skipped(message="baseline entry not reproduced by this run: remove it if fixed")]
            case.system_out = str(entry.get("reason") or "")
            suite.add_testcase(case)
        xml.add_testsuite(suite)
    xml.update_statistics()
    return xml


# XML 1.0 cannot carry these, raw or as character references; a fuzzed request or an echoing server puts them
# in failure messages. Each is written as its Python escape (\x07), so the text stays readable and exact.
_NOT_XML = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(?:x0*(?:[0-8bcef]|1[0-9a-f])|0*(?:[0-8]|1[1-9]|2[0-9]|3[01]));"
)


def _xml_safe(raw: bytes) -> bytes:
    def escape(m: re.Match[bytes]) -> bytes:
        text = m[0]
        code = text[0] if len(text) == 1 else int(text[3:-1], 16) if text[2:3] == b"x" else int(text[2:-1])
        return b"\\x%02x" % code

    return _NOT_XML.sub(escape, raw)


def to_string(xml: JUnitXml) -> str:
    """Indented XML. The root keeps only the attributes every reader's schema allows: Jenkins's junit-10
    schema has no `skipped` on <testsuites> (readers add the suites' counts up themselves)."""
    root = ET.fromstring(_xml_safe(xml.tostring()))
    root.attrib.pop("skipped", None)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write(result: RunResult, report_dir: Path) -> Path:
    path = report_dir / FILENAME
    path.write_text(redact(to_string(build_xml(result))), encoding="utf-8")
    return path
