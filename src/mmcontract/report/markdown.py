"""summary.md: a short Markdown summary for a CI job summary ($GITHUB_STEP_SUMMARY, GitLab, a PR comment).

Short on purpose: the outcome and one verdict per level first, then why the run is incomplete, the totals, the
new failures (capped), the client breakages, skip reasons, leftovers and stale baseline entries; the HTML report
has the rest.
"""

from __future__ import annotations

from pathlib import Path

from mmcontract.report.model import Failure, RunResult
from mmcontract.report.redact import redact, redact_all
from mmcontract.report.view import (
    build_view,
    client_call,
    counts_line,
    schema_coverage_line,
    skip_lines,
    stale_line,
)

FILENAME = "summary.md"
MAX_FAILURES = 20
MAX_NODES = 3  # uncovered nodes named per operation (report.html has them all)
ICON = {"conformant": "✅", "violations": "❌", "incomplete": "🟡", "could-not-run": "⚠️"}


def _cell(text: str | None, limit: int = 160) -> str:
    """One table cell: single line, pipes escaped, shortened."""
    text = " ".join((text or "").split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failure_row(f: Failure) -> str:
    detail = f.message.splitlines()[0] if f.message else f.title
    if f.expected is not None or f.actual is not None:
        detail += f" — expected {f.expected or '?'}, got {f.actual or '?'}"
    return f"| `{f.check}` | `{_cell(f.operation)}` | {_cell(f.title)} | {_cell(detail)} |"


def render(result: RunResult) -> str:
    result = redact_all(result)
    view = build_view(result)
    t = view.totals
    lines = [
        f"## {ICON[view.outcome]} mmcontract: {view.headline}",
        "",
        f"**{view.verdict_line}** · {view.outcome_line} · judged at level `{result.level}`",
        "",
    ]
    if result.errors:
        lines += ["**Could not run:**", *(f"- {_cell(e, 300)}" for e in result.errors), ""]
    if result.incomplete:
        gate = f"fails the run ({result.gate})" if result.incomplete_fails else "does not fail the run"
        lines += [f"**Incomplete**: {gate}.", *(f"- {_cell(r, 300)}" for r in result.incomplete), ""]
    lines += [
        f"Target `{result.target}` · profile `{result.profile}` · seed `{result.seed}` · "
        f"contract `{result.spec_hash[:12]}` · writes {'on' if result.allow_writes else 'off'}",
        "",
        f"{counts_line(view)}.",
        "",
        "| operations | tested | reached 2xx | cases sent | cases 2xx | new failures | known | client breakages"
        " | skipped tests | stale baseline |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {t.operations} | {t.tested} | {t.reached_2xx} | {t.cases_sent} | {t.cases_2xx} | {t.new_failures} "
        f"| {t.known_failures} | {t.client_failures} | {t.skipped_tests} | {t.stale_baseline} |",
    ]
    lines += _schema_section(result)
    new = result.new_failures
    if new:
        lines += [
            "",
            "### New violations",
            "",
            "| check | operation | rule | what happened |",
            "|---|---|---|---|",
            *(_failure_row(f) for f in new[:MAX_FAILURES]),
        ]
        if len(new) > MAX_FAILURES:
            lines.append(f"\n…and {len(new) - MAX_FAILURES} more: see report.html.")
    client = [f for f in view.client_breakages if f not in new]
    if client:
        lines += [
            "",
            f"### Official client breakages ({'information: the page is not broken' if result.level == 'page' else 'fail the run'})",
            "",
        ]
        lines += [f"- {_cell(client_call(f), 300)}" for f in client[:MAX_FAILURES]]
    known = [f for f in result.failures if f.known]
    if known:
        lines += ["", f"<details><summary>{len(known)} known deviation(s) from the baseline</summary>", ""]
        lines += [
            f"- `{f.check}` `{f.operation}`: {_cell(f.baseline_reason or 'no reason given')}" for f in known
        ]
        lines += ["", "</details>"]
    if result.skipped:
        lines += ["", "### Skipped tests", "", *(f"- {_cell(line, 300)}" for line in skip_lines(view))]
    if result.leftovers:
        lines += [
            "",
            "### Left behind (delete by hand)",
            "",
            *(f"- {_cell(x, 300)}" for x in result.leftovers),
        ]
    if result.stale_baseline:
        lines += ["", "### Stale baseline entries (not reproduced: remove them if fixed)", ""]
        lines += [f"- {_cell(stale_line(e), 300)}" for e in result.stale_baseline]
    lines += ["", "Full details: `report.html`, `junit.xml`, `summary.json`."]
    return "\n".join(lines) + "\n"


def _schema_section(result: RunResult) -> list[str]:
    """Response-schema coverage: the figure per level, then the operations with gaps (nodes not seen, capped)."""
    lines: list[str] = []
    for level in dict.fromkeys(c.level for c in result.schema_coverage):
        line = schema_coverage_line(result, level)
        if line:
            lines.append(f"- {line}")
    if not lines:
        return []
    lines = ["", "### Response-schema coverage", "", *lines]
    rows = [c for c in result.schema_coverage if c.not_seen or c.not_present]
    if rows:
        lines += [
            "",
            "| operation | status | seen | not present on the target | not seen (first) |",
            "|---|---:|---:|---:|---|",
        ]
        for c in rows:
            first = ", ".join(f"`{n}`" for n in c.not_seen[:MAX_NODES])
            more = f" …and {len(c.not_seen) - MAX_NODES} more" if len(c.not_seen) > MAX_NODES else ""
            lines.append(
                f"| `{_cell(c.operation)}`{' (client level)' if c.level == 'client' else ''} | {c.status} | {c.seen}/{c.total - len(c.not_present)} ({c.percent:g}%) "
                f"| {len(c.not_present)} | {_cell(first, 400)}{more} |"
            )
    return lines


def write(result: RunResult, report_dir: Path) -> Path:
    path = report_dir / FILENAME
    path.write_text(redact(render(result)), encoding="utf-8")
    return path
