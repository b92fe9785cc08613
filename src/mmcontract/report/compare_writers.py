"""The reports of `mmcontract compare`: junit.xml, summary.json (report/compare.schema.json, validated on write),
report.html (side by side) and summary.md. Every string is redacted (report/redact.py) before it is written."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from mmcontract import __version__
from mmcontract.compare.rules import LEVELS, RULES, at_least
from mmcontract.report.html import _environment as html_environment
from mmcontract.report.redact import redact, redact_all

if TYPE_CHECKING:
    from mmcontract.compare.engine import Difference
    from mmcontract.compare.run import CompareResult

FILENAMES = ("junit.xml", "summary.json", "report.html", "summary.md")
SCHEMA_VERSION = "1.0"


def load_schema() -> dict[str, Any]:
    return json.loads(resources.files("mmcontract.report").joinpath("compare.schema.json").read_text("utf-8"))


def failing(result: CompareResult, fail_on: str) -> list[Difference]:
    if fail_on == "none":
        return []
    return [d for d in result.differences if fail_on == "any" or at_least(d.level, "breaking")]


def level_counts(differences: list[Difference]) -> dict[str, int]:
    """Differences per level, most severe first."""
    return {level: sum(d.level == level for d in differences) for level in reversed(LEVELS)}


def build_summary(result: CompareResult, fail_on: str) -> dict[str, Any]:
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": f"mmcontract {__version__}",
        "baseline": result.baseline_url,
        "candidate": result.candidate_url,
        "profile": result.profile,
        "seed": result.seed,
        "fail_on": fail_on,
        "outcome": "could-not-run" if result.error else ("differences" if result.differences else "same"),
        "exit_code": 2 if result.error else (1 if failing(result, fail_on) else 0),
        "duration_s": result.duration_s,
        **({"reason": result.error} if result.error else {}),
        "counts": level_counts(result.differences),
        "requests": result.requests,
        "sent": {"baseline": result.sent_baseline, "candidate": result.sent_candidate},
        "noise": {
            "volatile_fields": result.volatile_pointers,
            "volatile_exchanges": result.volatile_exchanges,
        },
        "operations": list(result.operations),
        "writes": result.writes,
        "leftovers": list(result.leftovers),
        "differences": [
            {
                "rule": d.rule,
                "level": d.level,
                "description": RULES[d.rule].description,
                "operation": d.operation,
                "field": d.field,
                "message": d.message,
                "request_kind": d.kind,
                "occurrences": d.occurrences,
                "baseline": {"curl": d.baseline_request, "response": d.baseline_response},
                "candidate": {"curl": d.candidate_request, "response": d.candidate_response},
            }
            for d in result.differences
        ],
    }
    return redact_all(document)


def validate(document: dict[str, Any]) -> None:
    import jsonschema

    jsonschema.validate(document, load_schema())


def write_json(result: CompareResult, report_dir: Path, fail_on: str) -> Path:
    document = build_summary(result, fail_on)
    validate(document)
    path = report_dir / "summary.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def write_junit(result: CompareResult, report_dir: Path, fail_on: str) -> Path:
    """One testcase per difference (failure when at or above --fail-on), one passing case per operation without."""
    bad = {id(d) for d in failing(result, fail_on)}
    suite = ET.Element("testsuite", name="mmcontract compare", tests="0", failures="0")
    seen_ops = {d.operation for d in result.differences}
    cases = 0
    failures = 0
    for d in result.differences:
        case = ET.SubElement(suite, "testcase", classname=d.operation, name=f"{d.rule} {d.field}")
        text = (
            f"{d.message}\n\nbaseline: {d.baseline_request}\n{d.baseline_response}\n\n"
            f"candidate: {d.candidate_request}\n{d.candidate_response}"
        )
        if id(d) in bad:
            node = ET.SubElement(case, "failure", message=f"[{d.level}] {d.message}", type=d.rule)
            failures += 1
        else:
            node = ET.SubElement(case, "system-out")
            node.text = f"[{d.level}] "
        node.text = (node.text or "") + _xml_safe(redact(text))
        cases += 1
    for op in result.operations:
        if op not in seen_ops:
            ET.SubElement(suite, "testcase", classname=op, name="same behaviour")
            cases += 1
    if result.error:
        case = ET.SubElement(suite, "testcase", classname="mmcontract compare", name="could not run")
        ET.SubElement(case, "error", message=_xml_safe(redact(result.error)))
        suite.set("errors", "1")
        cases += 1
    suite.set("tests", str(cases))
    suite.set("failures", str(failures))
    path = report_dir / "junit.xml"
    path.write_text(redact(ET.tostring(suite, encoding="unicode", xml_declaration=True)), encoding="utf-8")
    return path


def _xml_safe(text: str) -> str:
    return "".join(
        c if c in "\t\n\r" or (ord(c) >= 0x20 and c not in "\ufffe\uffff") else f"\\x{ord(c):02x}"
        for c in text
    )


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: CompareResult, fail_on: str) -> str:
    summary = build_summary(result, fail_on)
    counts = summary["counts"]
    icon = "❌" if counts["breaking"] else ("⚠️" if result.differences else "✅")
    if result.error:
        return redact(f"### ⛔ Behaviour comparison could not run\n\n{_md(result.error)}\n")
    lines = [
        f"### {icon} Behaviour changes: {len(result.differences)} ({counts['breaking']} breaking, "
        f"{counts['notable']} notable, {counts['info']} info)",
        "",
        f"`{result.baseline_url}` → `{result.candidate_url}` · profile {result.profile} · seed {result.seed} · "
        f"{result.requests} requests · noise learned: {result.volatile_pointers} volatile field(s)",
        "",
    ]
    if result.writes:
        leftovers = result.leftovers
        lines += [
            f"Writes: mirrored battery on each side's own resources; {len(leftovers)} left over after the clean-up",
            "",
        ]
        lines += [f"- left over: {_md(line)}" for line in leftovers] + ([""] if leftovers else [])
    if result.differences:
        lines += ["| level | rule | operation | field | difference | seen |", "|---|---|---|---|---|---|"]
        lines += [
            f"| {d.level} | `{d.rule}` | `{_md(d.operation)}` | {_md(d.field)} | {_md(d.message)} | {d.occurrences} |"
            for d in result.differences
        ]
        lines += ["", "<details><summary>curl pairs</summary>", ""]
        for d in result.differences:
            if d.baseline_request:
                lines += [
                    f"- `{d.rule}` {_md(d.operation)}",
                    "  ```",
                    f"  {d.baseline_request}",
                    f"  {d.candidate_request}",
                    "  ```",
                ]
        lines += ["", "</details>"]
    return redact("\n".join(lines) + "\n")


def write_markdown(result: CompareResult, report_dir: Path, fail_on: str) -> Path:
    path = report_dir / "summary.md"
    path.write_text(render_markdown(result, fail_on), encoding="utf-8")
    return path


def render_html(result: CompareResult, fail_on: str) -> str:
    summary = build_summary(result, fail_on)
    template = html_environment().get_template("compare.html.j2")
    return redact(template.render(s=summary, version=__version__))


def write_html(result: CompareResult, report_dir: Path, fail_on: str) -> Path:
    path = report_dir / "report.html"
    path.write_text(render_html(result, fail_on), encoding="utf-8")
    return path


def write_compare_reports(result: CompareResult, report_dir: Path, fail_on: str) -> list[Path]:
    report_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    errors: list[Exception] = []
    for write in (write_junit, write_json, write_html, write_markdown):
        try:
            written.append(write(result, report_dir, fail_on))
        except Exception as exc:  # re-raised once the other formats are written
            errors.append(exc)
    if errors:
        raise errors[0]
    return written
