"""report.html: one self-contained page (inline CSS, no script, no network) rendered with Jinja2.

A Content-Security-Policy in the page forbids every fetch, so a page that tried to load anything would show
it as a console error in the rendering test.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from mmcontract import __version__
from mmcontract.checks.catalogue import CHECKS
from mmcontract.report.model import RunResult, percent
from mmcontract.report.redact import redact, redact_all
from mmcontract.report.view import build_view, counts_line, schema_by_operation, schema_coverage_line

FILENAME = "report.html"
EXCERPT_LIMIT = 2000


def anchor(text: str) -> str:
    return "op-" + re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def excerpt(text: str | None, limit: int = EXCERPT_LIMIT) -> str:
    if not text:
        return ""
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more characters)"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("mmcontract.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["anchor"] = anchor
    env.filters["excerpt"] = excerpt
    return env


def render(result: RunResult) -> str:
    result = redact_all(result)
    view = build_view(result)
    families_checks = {fam: [c for c in CHECKS.values() if c.family == fam] for fam in view.families}
    first_status: dict[str, str] = {}  # the column links to the operation's first answer at the run's level
    for row in result.schema_coverage:
        if row.level == result.level:
            first_status.setdefault(row.operation, row.status)
    template = _environment().get_template("report.html.j2")
    return template.render(
        view=view,
        result=result,
        version=__version__,
        families_checks=families_checks,
        counts_line=counts_line(view),
        schema_cells={
            op: (seen, reachable, percent(seen, reachable), first_status.get(op, ""))
            for op, (seen, reachable) in schema_by_operation(result).items()
        },
        schema_levels=[
            line
            for level in dict.fromkeys(c.level for c in result.schema_coverage)
            if (line := schema_coverage_line(result, level))
        ],
        schema_rows=sorted(result.schema_coverage, key=lambda c: c.level != result.level),
    )


def write(result: RunResult, report_dir: Path) -> Path:
    path = report_dir / FILENAME
    path.write_text(redact(render(result)), encoding="utf-8")
    return path
